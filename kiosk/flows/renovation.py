"""Renovation sign-up at the kiosk (装修报备), for the identified owner: the estate, how long,
how much waste (with its clearance fee) and what kind from lists; building, room and a mobile
number for callbacks typed on a keypad; the commitment signed with a finger on the screen. The
back office answers the registration's reference and whether it is active yet (the property
company registers its side on the ops pages)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk import api
from kiosk.backoffice_client import Answer, CallFailed
from kiosk.config import Language
from kiosk.flows.identify import IdentifyFlow, TokenResult
from kiosk.flows.lists import ListPage, Lists
from kiosk.flows.ports import BackOffice, Screens, both, speak_pair
from kiosk.i18n import tr
from kiosk.visit import Visit, Visits, VisitSummary

logger = logging.getLogger(__name__)

SERVICE = "tile.renovation"
FORM_SCREEN = "renovation"
SIGN_SCREEN = "renovation_sign"
MONTHS = ("1", "2", "3")
FIELDS = ("building", "room", "phone")
MAX_DIGITS = {"building": 4, "room": 5, "phone": 11}
Texts = tuple[str, str]


@dataclass
class Choices:
    compounds: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> zh/en
    volumes: dict[str, int] = field(default_factory=dict)  # "2" -> fee in cents
    waste_kinds: tuple[str, ...] = ()


@dataclass
class RenovationDraft:
    """What the owner chose so far; forgotten with the visit."""

    compound_code: str = ""
    months: int = 0
    volume: str = ""
    waste_kind: str = ""
    building: str = ""
    room: str = ""
    phone: str = ""


class RenovationForm(Protocol):
    """The keypad screen for building, room and phone."""

    def start(self, summary: Texts) -> None: ...

    def say(self, message: Texts) -> None: ...


class RenovationSignView(Protocol):
    """The commitment with its signature pad, and the answer after sending."""

    def start(self, summary: Texts) -> None: ...

    def tell(self, phase: str, message: Texts) -> None:
        """``phase``: signing (a prompt), sending, done or failed."""
        ...


def yuan(cents: int) -> str:
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents / 100:.2f}"


class RenovationFlow:
    def __init__(
        self,
        backoffice: BackOffice,
        visits: Visits,
        screens: Screens,
        lists: Lists,
        form: RenovationForm,
        sign: RenovationSignView,
        identify: IdentifyFlow,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._backoffice = backoffice
        self._visits = visits
        self._screens = screens
        self._lists = lists
        self._form = form
        self._sign = sign
        self._identify = identify
        self._today = today
        self._choices = Choices()
        self._draft: RenovationDraft | None = None

    # --- the lists ---------------------------------------------------------------------------

    def open(self) -> None:
        visit = self._visits.ensure()
        self._draft = RenovationDraft()
        visit.on_end(self._forget)
        if not self._backoffice.online():
            self._screens.service_out(SERVICE, *both("renovation.offline"))
            return
        done = functools.partial(self._choices_came, visit)
        self._backoffice.call("GET", api.RENOVATION_CHOICES, None, done)

    def _choices_came(self, visit: Visit, result: Answer | CallFailed) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(result, CallFailed):
            logger.warning("renovation choices not read: %s", result.detail)
            self._screens.service_out(SERVICE, *both("renovation.offline"))
            return
        body = result.body
        self._choices = Choices(
            compounds={
                c["code"]: {"zh": c["name_zh"], "en": c["name_en"]} for c in body["compounds"]
            },
            volumes={f"{v['volume_m3']:g}": int(v["fee_cents"]) for v in body["volumes"]},
            waste_kinds=tuple(body["waste_kinds"]),
        )
        entries = [("renovation_compound", code) for code in self._choices.compounds]
        self._lists.start(self._page(entries, "renovation.pick_compound", "voice.renovation"))

    def choose(self, kind: str, code: str) -> None:
        draft = self._draft
        if draft is None:
            return
        if kind == "renovation_compound" and code in self._choices.compounds:
            draft.compound_code = code
            entries = [("renovation_months", m) for m in MONTHS]
            self._lists.open(self._page(entries, "renovation.pick_period"))
        elif kind == "renovation_months" and code in MONTHS:
            draft.months = int(code)
            entries = [("renovation_volume", v) for v in self._choices.volumes]
            self._lists.open(self._page(entries, "renovation.pick_volume"))
        elif kind == "renovation_volume" and code in self._choices.volumes:
            draft.volume = code
            entries = [("renovation_kind", k) for k in self._choices.waste_kinds]
            self._lists.open(self._page(entries, "renovation.pick_kind"))
        elif kind == "renovation_kind" and code in self._choices.waste_kinds:
            draft.waste_kind = code
            self._form.start(self._summary(draft))
            self._form.say(both("renovation.form_hint"))
            self._screens.show(FORM_SCREEN)

    def name(self, kind: str, code: str, language: Language) -> str:
        if kind == "renovation_compound":
            return self._choices.compounds.get(code, {}).get(language, code)
        if kind == "renovation_months":
            return tr("renovation.months", language).format(n=code)
        if kind == "renovation_volume":
            fee = yuan(self._choices.volumes.get(code, 0))
            return tr("renovation.volume", language).format(m3=code, fee=fee)
        return tr(f"renovation.kind.{code}", language)

    # --- the keypad form and the signature -----------------------------------------------------

    def type_into(self, field_name: str, value: str, key: str) -> str:
        """``value`` after the keypad's ``key`` (a digit, "-" or "delete") in ``field_name``."""
        if key == "delete":
            return value[:-1]
        allowed = key.isdigit() or (key == "-" and field_name != "phone")
        if not allowed or len(value) >= MAX_DIGITS.get(field_name, 0):
            return value
        return value + key

    def to_sign(self, building: str, room: str, phone: str) -> None:
        draft = self._draft
        if draft is None:
            return
        for name, value in (("building", building), ("room", room)):
            if not value.strip("-"):
                self._form.say(both(f"renovation.need_{name}"))
                self._screens.announce(f"renovation.need_{name}")
                return
        if len(phone) != 11 or not phone.startswith("1"):
            self._form.say(both("renovation.need_phone"))
            self._screens.announce("renovation.need_phone")
            return
        draft.building, draft.room, draft.phone = building, room, phone
        self._sign.start(self._summary(draft))
        self._sign.tell("signing", both("renovation.sign_here"))
        self._screens.show(SIGN_SCREEN)

    def submit(self, signature_png: bytes | None) -> None:
        """Send the registration with the signature drawn on the screen."""
        visit, draft = self._visits.current, self._draft
        if visit is None or draft is None or not draft.phone:
            return
        if not signature_png:
            self._tell("signing", both("renovation.need_signature"))
            return
        self._tell("sending", both("renovation.sending"))
        then = functools.partial(self._identified, visit, draft, signature_png)
        self._identify.token_for(visit, then)

    def _identified(
        self, visit: Visit, draft: RenovationDraft, png: bytes, token: TokenResult
    ) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(token, CallFailed):
            self._tell("failed", both("renovation.failed"))
            return
        start = self._today()
        body: dict[str, Any] = {
            "compound_code": draft.compound_code,
            "building": draft.building,
            "room": draft.room,
            "period_start": start.isoformat(),
            "period_end": (start + dt.timedelta(days=30 * draft.months)).isoformat(),
            "volume_m3": float(draft.volume),
            "waste_kind": draft.waste_kind,
            "phone": draft.phone,
            "signature_png_base64": base64.b64encode(png).decode("ascii"),
        }
        headers = {api.IDENTIFICATION_HEADER: token}
        done = functools.partial(self._registered, visit)
        self._backoffice.call("POST", api.RENOVATION_REGISTRATIONS, body, done, headers)

    def _registered(self, visit: Visit, result: Answer | CallFailed) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(result, CallFailed):
            logger.warning("renovation not registered: %s", result.detail)
            if result.status == 409:
                self._tell("failed", both("renovation.already"))
            elif result.status in (400, 422):
                self._tell("failed", both("renovation.refused", reason=result.detail))
            else:
                self._tell("failed", both("renovation.failed"))
            return
        body = result.body
        key = "renovation.done_active" if body["status"] == "active" else "renovation.done_pending"
        self._tell("done", both(key, reference=str(body["reference"]), fee=yuan(body["fee_cents"])))

    # --- helpers -------------------------------------------------------------------------------

    def _summary(self, draft: RenovationDraft) -> Texts:
        def one(language: Language) -> str:
            parts = [
                self.name("renovation_compound", draft.compound_code, language),
                self.name("renovation_months", str(draft.months), language),
                self.name("renovation_volume", draft.volume, language),
                self.name("renovation_kind", draft.waste_kind, language),
            ]
            if draft.building:
                parts.append(f"{draft.building}-{draft.room}")
            return " · ".join(parts)

        return one("zh"), one("en")

    def _tell(self, phase: str, message: Texts) -> None:
        self._sign.tell(phase, message)
        if self._screens.showing() == SIGN_SCREEN:
            speak_pair(self._screens, *message)

    def _page(self, entries: list[tuple[str, str]], title_key: str, voice: str = "") -> ListPage:
        return ListPage(
            tuple(entries),
            self.choose,
            self.name,
            title_key=title_key,
            empty_key="renovation.loading",
            voice_key=voice or "voice.renovation",
        )

    def _forget(self, _summary: VisitSummary) -> None:
        self._draft = None
