"""The HTTP adapters of identification: Suishen code verification and the card issuer's key
service (`contracts/suishen.openapi.json`, `contracts/card_issuer.openapi.json`), on the shared
upstream client. In demo mode they talk to the peers of `simulators/upstream_peers.py`."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from backoffice.errors import BadInput, NotAuthenticated
from backoffice.keys import Keys
from backoffice.settings import Settings
from backoffice.suishen.codes import CLOCK_SLACK, MAX_PAYLOAD, VerifiedCode, code_digest
from backoffice.suishen.personal import is_valid_id_number, keyed_hash, mask_name
from backoffice.upstream import Upstream, UpstreamClient, client_for

SUISHEN = Upstream("suishen", "Suishen code check service", "随申码核验服务")
CARD_ISSUER = Upstream("card_issuer", "social security card check service", "社保卡核验服务")
DEMO_SUISHEN_URL = "http://127.0.0.1:9201"
DEMO_CARD_ISSUER_URL = "http://127.0.0.1:9203"

EXPIRED = "This Suishen code has expired. Refresh it in the app and scan it again."


class HttpSuishenVerifier:
    """Asks the Suishen service who holds a scanned code; keeps only the keyed hash of the
    holder's ID number and the masked name."""

    def __init__(self, client: UpstreamClient, keys: Keys) -> None:
        self.client = client
        self._keys = keys

    def verify(self, payload: str, now: datetime) -> VerifiedCode:
        payload = payload.strip()
        if not payload or len(payload) > MAX_PAYLOAD:
            raise BadInput("This is not a Suishen code. Scan the code shown in the Suishen app.")
        _, answer = self.client.call(
            "POST",
            "/v1/codes/verify",
            idempotent=True,  # a check changes nothing upstream
            answers={200: "VerifyAnswer"},
            json_body={"code": payload},
        )
        result = answer["result"]
        if result == "expired":
            raise NotAuthenticated(EXPIRED)
        if result == "not_yet_valid":
            raise NotAuthenticated("This Suishen code is not valid yet; check the phone's clock.")
        if result != "valid":
            raise NotAuthenticated(
                "The Suishen service does not know this code; refused. Scan the code shown in "
                "the Suishen app."
            )
        holder = answer["holder"]
        number = str(holder["id_number"]).upper()
        try:
            expires = datetime.fromisoformat(answer["expires_at"])
        except ValueError as exc:
            raise self.client.unavailable(f"expires_at unreadable: {exc}") from exc
        if not is_valid_id_number(number):
            raise self.client.unavailable("the holder's ID number fails its check")
        if expires + CLOCK_SLACK < now:  # this back office's clock has its say too
            raise NotAuthenticated(EXPIRED)
        return VerifiedCode(
            id_hash=keyed_hash(self._keys, number),
            masked_name=mask_name(str(holder["name"])),
            expires_at=expires,
            code_digest=code_digest(payload),
        )


class HttpCardVerifier:
    """Asks the card issuer's key service whether a MAC is the card's answer."""

    def __init__(self, client: UpstreamClient) -> None:
        self.client = client

    def verify(self, card_number: str, message: bytes, mac: bytes) -> bool:
        _, answer = self.client.call(
            "POST",
            f"/v1/cards/{quote(card_number, safe='')}/mac-checks",
            idempotent=True,
            answers={200: "MacVerdict"},
            json_body={"message": message.hex(), "mac": mac.hex()},
        )
        return bool(answer["valid"])


def http_suishen_verifier(settings: Settings) -> HttpSuishenVerifier:
    """ZHILI_SUISHEN_ADAPTER=backoffice.suishen.upstream:http_suishen_verifier, at
    ZHILI_SUISHEN_URL."""
    client = client_for(settings, SUISHEN, "suishen_url", demo_url=DEMO_SUISHEN_URL)
    return HttpSuishenVerifier(client, Keys.of(settings))


def http_card_verifier(settings: Settings) -> HttpCardVerifier:
    """ZHILI_CARD_VERIFIER=backoffice.suishen.upstream:http_card_verifier, at
    ZHILI_CARD_VERIFIER_URL."""
    return HttpCardVerifier(
        client_for(settings, CARD_ISSUER, "card_verifier_url", demo_url=DEMO_CARD_ISSUER_URL)
    )
