"""The upstream peers the back office's HTTP adapters talk to in the demo and the tests, each
speaking its contract in ``contracts/`` (and importing nothing from the back office):

- `SuishenPeer`: Suishen code verification. Codes are issued by the peer itself (what the
  Suishen app on a phone shows), kept in memory, and verified by ``POST /v1/codes/verify``.
- `MedicalPeer`: the medical-insurance system's visit records per person (named by the back
  office's pseudonym), with plausible generated records, and the booklet a person holds.
- `CardIssuerPeer`: the social security card issuer's key service; it checks a card's MAC with
  the demo issuer's master key (the key the virtual card of `vpcd_card` is personalised from).

Set-up routes under ``/_peer/`` (issue a code, add a person or a visit, hand out a booklet) are
the peer's own: they stand for what happens upstream, outside the back office.
"""

from __future__ import annotations

import hmac
import random
import secrets
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from simulators.http_peer import HttpPeer, Reply
from simulators.query_peer import QueryPeer
from simulators.vpcd_card import DEMO_ISSUER_MASTER_KEY, personalise_key, retail_mac

# The demo's fixed ports (scripts/demo.py); the tests use free ones.
DEMO_PORTS = {"suishen": 9201, "medical": 9202, "card_issuer": 9203, "queries": 9204}
CODE_PREFIX = "SSM3."


def _bad(message: str) -> Reply:
    return Reply(400, {"error": "bad_request", "message": message})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class SuishenPeer(HttpPeer):
    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self._codes: dict[str, dict[str, Any]] = {}
        self._codes_lock = threading.Lock()
        self.route("POST", "/v1/codes/verify", self._verify)
        self.route("POST", "/_peer/codes", self._issue_route)

    def issue(
        self,
        id_number: str,
        name: str,
        ttl: timedelta = timedelta(minutes=3),
        issued_at: datetime | None = None,
    ) -> str:
        """A fresh code for this person, as their phone would show it."""
        issued = issued_at or datetime.now(UTC)
        code = CODE_PREFIX + secrets.token_urlsafe(24)
        with self._codes_lock:
            self._codes[code] = {
                "holder": {"id_number": id_number, "name": name},
                "issued_at": issued,
                "expires_at": issued + ttl,
            }
        return code

    def _issue_route(self, _params: dict[str, str], body: Any, _query: dict[str, str]) -> Reply:
        if not isinstance(body, dict) or "id_number" not in body or "name" not in body:
            return _bad("give id_number and name (and ttl_s, issued_at)")
        issued = body.get("issued_at")
        code = self.issue(
            str(body["id_number"]),
            str(body["name"]),
            timedelta(seconds=float(body.get("ttl_s", 180))),
            datetime.fromisoformat(issued) if issued else None,
        )
        return Reply(201, {"code": code})

    def _verify(self, _params: dict[str, str], body: Any, _query: dict[str, str]) -> Reply:
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            return _bad("give the scanned code as {'code': ...}")
        with self._codes_lock:
            known = self._codes.get(body["code"].strip())
        if known is None:
            return Reply(200, {"result": "invalid", "message": "not a code Suishen issued"})
        now = datetime.now(UTC)
        answer = {
            "issued_at": _iso(known["issued_at"]),
            "expires_at": _iso(known["expires_at"]),
        }
        if known["expires_at"] < now - timedelta(seconds=30):
            return Reply(200, {"result": "expired", **answer})
        if known["issued_at"] > now + timedelta(seconds=30):
            return Reply(200, {"result": "not_yet_valid", **answer})
        return Reply(200, {"result": "valid", "holder": known["holder"], **answer})


INSTITUTIONS = (
    ("长宁区江苏路街道社区卫生服务中心", ("全科", "中医科", "慢病随访")),
    ("上海市第六人民医院", ("心内科", "骨科", "内分泌科")),
    ("复旦大学附属华山医院", ("神经内科", "皮肤科", "感染科")),
    ("长宁区中心医院", ("普外科", "消化内科", "眼科")),
    ("上海市同仁医院", ("呼吸内科", "口腔科", "急诊内科")),
    ("上海交通大学医学院附属仁济医院", ("泌尿外科", "风湿科")),
    ("国药控股国大药房（愚园路店）", ("定点药店",)),
)
KINDS = ("门诊", "门诊", "门诊", "急诊", "药店")


def generate_visits(person: str, today: date, count: int | None = None) -> list[dict[str, Any]]:
    """Plausible visits for a person, the same every time for the same person and day;
    `count` fixes how many (else 28 to 64 over the last two years or so)."""
    rng = random.Random(int(person[:16], 16) if len(person) >= 16 else person)
    wanted = count if count is not None else rng.randint(28, 64)
    day = today - timedelta(days=rng.randint(500, 900) if count is None else 9 * wanted)
    out: list[dict[str, Any]] = []
    for seq in range(1, wanted + 1):
        day = min(today, day + timedelta(days=rng.randint(3, 14)))
        institution, departments = INSTITUTIONS[rng.randrange(len(INSTITUTIONS))]
        kind = "药店" if departments == ("定点药店",) else KINDS[rng.randrange(4)]
        total = rng.randint(1500, 68000)
        fund = total * rng.randint(55, 85) // 100
        out.append(
            {
                "seq": seq,
                "visit_date": day.isoformat(),
                "institution": institution,
                "department": rng.choice(departments),
                "kind": kind,
                "total_fen": total,
                "fund_fen": fund,
                "self_fen": total - fund,
            }
        )
    return out


class MedicalPeer(HttpPeer):
    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self._people: dict[str, dict[str, Any]] = {}
        self._people_lock = threading.Lock()
        self.route("GET", "/v1/insured/{person}/visits", self._visits)
        self.route("PUT", "/_peer/insured/{person}", self._put_person)
        self.route("POST", "/_peer/insured/{person}/visits", self._add_visit_route)
        self.route("PUT", "/_peer/insured/{person}/booklet", self._booklet_route)

    def add_person(
        self,
        person: str,
        today: date,
        count: int | None = None,
        booklet_serial: str | None = None,
    ) -> int:
        """The person upstream with generated visits (replacing what was there); how many."""
        visits = generate_visits(person, today, count)
        with self._people_lock:
            self._people[person] = {"visits": visits, "booklet_serial": booklet_serial}
        return len(visits)

    def add_visit(self, person: str, visit: dict[str, Any]) -> dict[str, Any]:
        """A new visit upstream, numbered after the person's last."""
        with self._people_lock:
            visits = self._people[person]["visits"]
            record = {**visit, "seq": len(visits) + 1}
            visits.append(record)
        return record

    def visits_of(self, person: str) -> list[dict[str, Any]]:
        """The person's visits upstream, oldest first."""
        with self._people_lock:
            return list(self._people[person]["visits"])

    def issue_booklet(self, person: str, serial: str) -> None:
        """The upstream's own counter handed the person a new booklet."""
        with self._people_lock:
            self._people[person]["booklet_serial"] = serial

    def _put_person(self, params: dict[str, str], body: Any, _query: dict[str, str]) -> Reply:
        body = body if isinstance(body, dict) else {}
        today = date.fromisoformat(body["today"]) if "today" in body else date.today()
        count = self.add_person(
            params["person"], today, body.get("count"), body.get("booklet_serial")
        )
        return Reply(200, {"visits": count})

    def _add_visit_route(self, params: dict[str, str], body: Any, _query: dict[str, str]) -> Reply:
        if params["person"] not in self._people or not isinstance(body, dict):
            return _bad("add the person first, then a visit object")
        return Reply(201, self.add_visit(params["person"], body))

    def _booklet_route(self, params: dict[str, str], body: Any, _query: dict[str, str]) -> Reply:
        if params["person"] not in self._people or not isinstance(body, dict):
            return _bad("add the person first, then {'serial': ...}")
        self.issue_booklet(params["person"], str(body["serial"]))
        return Reply(200, {"booklet_serial": body["serial"]})

    def _visits(self, params: dict[str, str], _body: Any, _query: dict[str, str]) -> Reply:
        with self._people_lock:
            known = self._people.get(params["person"])
            if known is None:
                return Reply(404, {"error": "unknown_person", "message": "no such insured person"})
            return Reply(
                200,
                {
                    "person": params["person"],
                    "booklet_serial": known["booklet_serial"],
                    "visits": list(known["visits"]),
                },
            )


class CardIssuerPeer(HttpPeer):
    def __init__(self, port: int = 0, master_key: bytes = DEMO_ISSUER_MASTER_KEY) -> None:
        super().__init__(port)
        self._master = master_key
        self.route("POST", "/v1/cards/{card}/mac-checks", self._check)

    def _check(self, params: dict[str, str], body: Any, _query: dict[str, str]) -> Reply:
        try:
            message = bytes.fromhex(body["message"])
            mac = bytes.fromhex(body["mac"])
            key = personalise_key(self._master, params["card"])
        except (TypeError, KeyError, ValueError, UnicodeEncodeError):
            return _bad("give message and mac in hex, and a card number")
        return Reply(200, {"valid": hmac.compare_digest(retail_mac(key, message), mac)})


class UpstreamPeers:
    """The four peers in one process (the demo's, or one test process's): the three above and
    the catalog's query upstream (`simulators.query_peer`)."""

    def __init__(self, ports: dict[str, int] | None = None) -> None:
        ports = ports or {}
        self.suishen = SuishenPeer(ports.get("suishen", 0))
        self.medical = MedicalPeer(ports.get("medical", 0))
        self.card_issuer = CardIssuerPeer(ports.get("card_issuer", 0))
        self.queries = QueryPeer(ports.get("queries", 0))

    def all(self) -> dict[str, HttpPeer]:
        return {
            "suishen": self.suishen,
            "medical": self.medical,
            "card_issuer": self.card_issuer,
            "queries": self.queries,
        }

    def start(self) -> UpstreamPeers:
        for peer in self.all().values():
            peer.start()
        return self

    def stop(self) -> None:
        for peer in self.all().values():
            peer.stop()

    def env(self) -> dict[str, str]:
        """The back office's settings that point its HTTP adapters at these peers."""
        return {
            "ZHILI_SUISHEN_URL": self.suishen.url,
            "ZHILI_MEDICAL_URL": self.medical.url,
            "ZHILI_CARD_VERIFIER_URL": self.card_issuer.url,
            "ZHILI_QUERY_URL": self.queries.url,
        }
