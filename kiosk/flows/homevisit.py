"""Home services (上门服务) at the kiosk, after identification: the person asks for a visit for
themselves, or a relative (identified by their own card) asks for a resident who cannot come;
they pick the matter, why the resident cannot come, a time that suits, and the road and house
number. The reference comes back on a slip. Once staff have booked the visit, the same person
sees its time here (by their card) and prints it."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kiosk import api
from kiosk.backoffice_client import Answer, CallFailed
from kiosk.config import Language
from kiosk.devices.base import PrintJob
from kiosk.devices.layouts import guide_slip_job
from kiosk.flows.guides import SlipPrinter
from kiosk.flows.identify import IdentifyFlow, TokenResult
from kiosk.flows.lists import ListPage, Lists
from kiosk.flows.ports import BackOffice, Screens, both, speak_pair
from kiosk.i18n import tr
from kiosk.report import ChoicesStore
from kiosk.visit import Visit, Visits

logger = logging.getLogger(__name__)

SERVICE = "tile.home_visit"
DONE_SCREEN = "home_visit"
LOCAL = ZoneInfo("Asia/Shanghai")
REASONS = ("lives_alone", "disability", "illness", "other")
PARTS = ("morning", "afternoon")
WEEKDAYS_ZH = "一二三四五六日"
Texts = tuple[str, str]


class HomeVisitView(Protocol):
    """The screen that ends the flow: what was asked or booked, and the slip's outcome."""

    def present(self, summary: Texts, outcome: Texts, printable: bool) -> None: ...

    def tell(self, outcome: Texts) -> None: ...

    def say(self, key: str, **values: str) -> None:
        """How the slip's print went."""
        ...


@dataclass
class _Draft:
    """One visit's request being put together, and what the back office said at the start."""

    visit: Visit
    options: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    requested_by: str = ""
    matter: str = ""
    reason: str = ""
    when: str = ""  # "2026-12-08/morning"
    road: str = ""
    landmark: str = ""
    slip: PrintJob | None = None


def day_text(day: dt.date, language: Language) -> str:
    if language == "en":
        return day.strftime("%a %d %b").replace(" 0", " ")
    return f"{day.month}月{day.day}日 周{WEEKDAYS_ZH[day.weekday()]}"


def when_text(when: str, language: Language) -> str:
    day, _, part = when.partition("/")
    return f"{day_text(dt.date.fromisoformat(day), language)} {tr(f'home_visit.{part}', language)}"


def visit_time(starts_at: str, language: Language) -> str:
    moment = dt.datetime.fromisoformat(starts_at.replace("Z", "+00:00")).astimezone(LOCAL)
    return f"{day_text(moment.date(), language)} {moment:%H:%M}"


class HomeVisitFlow:
    def __init__(
        self,
        backoffice: BackOffice,
        identify: IdentifyFlow,
        visits: Visits,
        screens: Screens,
        lists: Lists,
        choices: ChoicesStore,
        view: HomeVisitView,
        slips: SlipPrinter,
    ) -> None:
        self._backoffice = backoffice
        self._identify = identify
        self._visits = visits
        self._screens = screens
        self._lists = lists
        self._choices = choices
        self._view = view
        self._slips = slips
        self._draft: _Draft | None = None

    # --- what the person does --------------------------------------------------------------

    def open(self) -> None:
        """Reached once the person is identified (the home menu asks for proof first)."""
        visit = self._visits.ensure()
        draft = self._draft = _Draft(visit)
        if not self._backoffice.online():
            self._lists.start(self._page([], "home_visit.offline"))
            return
        self._lists.start(self._page([], "home_visit.loading"))
        self._identify.token_for(visit, functools.partial(self._identified, draft))

    def choose(self, kind: str, code: str) -> None:
        draft = self._current()
        if draft is None:
            return
        if kind == "hv_request":
            self._show_request(draft, code)
        elif kind == "hv_for":
            draft.requested_by = code
            matters = [("hv_matter", m["code"]) for m in draft.options.get("matters", [])]
            self._lists.open(self._page(matters, title_key="home_visit.pick_matter"))
        elif kind == "hv_matter":
            draft.matter = code
            draft.visit.choose_matter(code)
            reasons = [("hv_reason", r) for r in REASONS]
            self._lists.open(self._page(reasons, title_key="home_visit.pick_reason"))
        elif kind == "hv_reason":
            draft.reason = code
            times = [
                ("hv_when", f"{day}/{part}")
                for day in draft.options.get("days", [])
                for part in PARTS
            ]
            self._lists.open(self._page(times, title_key="home_visit.pick_time"))
        elif kind == "hv_when":
            draft.when = code
            choices = self._choices.choices
            roads = [("hv_road", c) for c in (choices.roads if choices else {})]
            self._lists.open(self._page(roads, "report.unavailable", "home_visit.pick_road"))
        elif kind == "hv_road":
            draft.road, draft.landmark = code, ""
            choices = self._choices.choices
            along = choices.landmarks.get(code, {}) if choices else {}
            if along:
                entries = [("hv_landmark", c) for c in along]
                self._lists.open(self._page(entries, title_key="home_visit.pick_landmark"))
                return
            self._send(draft)
        elif kind == "hv_landmark":
            draft.landmark = code
            self._send(draft)

    def name(self, kind: str, code: str, language: Language) -> str:
        draft = self._draft
        if kind == "hv_for":
            return tr(f"home_visit.for.{code}", language)
        if kind == "hv_reason":
            return tr(f"home_visit.reason.{code}", language)
        if kind == "hv_when":
            return when_text(code, language)
        if kind == "hv_matter":
            return self._matter_name(code, language)
        if kind == "hv_request" and draft is not None:
            return self._request_line(draft.requests[code], language)
        choices = self._choices.choices
        if choices is None:
            return code
        if kind == "hv_road":
            return choices.roads.get(code, {}).get(language, code)
        road = draft.road if draft else ""
        return choices.landmarks.get(road, {}).get(code, {}).get(language, code)

    def print_slip(self) -> None:
        draft = self._current()
        if draft is not None and draft.slip is not None:
            self._slips.print(draft.slip)

    # --- answers ---------------------------------------------------------------------------

    def _identified(self, draft: _Draft, token: TokenResult) -> None:
        if not self._still(draft):
            return
        if isinstance(token, CallFailed):
            key = "home_visit.offline" if token.offline else "home_visit.failed"
            self._lists.start(self._page([], key))
            return
        done = functools.partial(self._started, draft)
        headers = {api.IDENTIFICATION_HEADER: token}
        self._backoffice.call("GET", api.HOME_VISIT_REQUESTS, None, done, headers=headers)

    def _started(self, draft: _Draft, result: Answer | CallFailed) -> None:
        if not self._still(draft):
            return
        if isinstance(result, CallFailed):
            logger.warning("home-visit start refused: %s", result.detail)
            key = "home_visit.offline" if result.offline else "home_visit.failed"
            self._lists.start(self._page([], key))
            return
        draft.options = dict(result.body["options"])
        draft.requests = {r["reference"]: r for r in result.body["requests"]}
        entries = [("hv_request", ref) for ref in draft.requests]
        entries += [("hv_for", "person"), ("hv_for", "relative")]
        self._lists.start(self._page(entries, title_key="home_visit.title"))

    def _send(self, draft: _Draft) -> None:
        choices = self._choices.choices
        road = choices.roads.get(draft.road, {}) if choices else {}
        landmark = choices.landmarks.get(draft.road, {}).get(draft.landmark) if choices else None
        address = road.get("zh", draft.road) + (f" {landmark['zh']}" if landmark else "")
        day, _, part = draft.when.partition("/")
        body = {
            "matter_code": draft.matter,
            "requested_by": draft.requested_by,
            "address": address,
            "reason": draft.reason,
            "preferred": [{"day": day, "part": part}],
            "language": self._screens.language(),
        }
        summary = self._summary(draft.matter, address, both_when(draft.when))
        self._view.present(summary, both("home_visit.sending"), printable=False)
        self._screens.show(DONE_SCREEN)
        if not self._backoffice.online():
            self._tell(both("home_visit.offline"))
            return
        self._identify.token_for(draft.visit, functools.partial(self._post, draft, body))

    def _post(self, draft: _Draft, body: dict[str, Any], token: TokenResult) -> None:
        if not self._still(draft):
            return
        if isinstance(token, CallFailed):
            self._tell(both("home_visit.offline" if token.offline else "home_visit.failed"))
            return
        done = functools.partial(self._asked, draft)
        headers = {api.IDENTIFICATION_HEADER: token}
        self._backoffice.call("POST", api.HOME_VISIT_REQUESTS, body, done, headers=headers)

    def _asked(self, draft: _Draft, result: Answer | CallFailed) -> None:
        if not self._still(draft):
            return
        if isinstance(result, CallFailed):
            logger.warning("home-visit request refused: %s", result.detail)
            self._tell(both("home_visit.offline" if result.offline else "home_visit.failed"))
            return
        request = result.body
        draft.requests[request["reference"]] = request
        self._lists.clear()  # sent: Back goes home, not through the request's choices
        draft.slip = self._slip(request)
        outcome = both("home_visit.asked", reference=request["reference"])
        self._view.present(self._request_summary(request), outcome, printable=True)
        speak_pair(self._screens, *outcome)

    def _show_request(self, draft: _Draft, reference: str) -> None:
        request = draft.requests.get(reference)
        if request is None:
            return
        draft.visit.choose_matter(request["matter_code"])
        draft.slip = self._slip(request)
        visit = request.get("visit")
        if visit and not visit.get("cancelled") and not visit.get("outcome"):
            outcome = tuple(
                tr("home_visit.booked", lang).format(
                    when=visit_time(visit["starts_at"], lang), staff=visit["staff_name"]
                )
                for lang in ("zh", "en")
            )
        else:
            outcome = both("home_visit.waiting", reference=reference)
        self._view.present(self._request_summary(request), (outcome[0], outcome[1]), True)
        self._screens.show(DONE_SCREEN)
        speak_pair(self._screens, outcome[0], outcome[1])

    # --- words and paper -------------------------------------------------------------------

    def _matter_name(self, code: str, language: Language) -> str:
        draft = self._draft
        for matter in draft.options.get("matters", []) if draft else []:
            if matter["code"] == code:
                return str(matter["name_en" if language == "en" else "name_zh"])
        return code

    def _request_line(self, request: dict[str, Any], language: Language) -> str:
        visit = request.get("visit")
        matter = request["matter_name_en" if language == "en" else "matter_name_zh"]
        if visit and not visit.get("cancelled") and not visit.get("outcome"):
            when = visit_time(visit["starts_at"], language)
            return tr("home_visit.line.booked", language).format(when=when, matter=matter)
        return tr("home_visit.line.waiting", language).format(matter=matter)

    def _summary(self, matter: str, address: str, when: Texts) -> Texts:
        zh, en = (
            tr("home_visit.summary", lang).format(
                matter=self._matter_name(matter, lang),
                address=address,
                when=when[1] if lang == "en" else when[0],
            )
            for lang in ("zh", "en")
        )
        return zh, en

    def _request_summary(self, request: dict[str, Any]) -> Texts:
        preferred = request["preferred"][0] if request["preferred"] else None
        when = both_when(f"{preferred['day']}/{preferred['part']}") if preferred else ("—", "—")
        zh = tr("home_visit.summary", "zh").format(
            matter=request["matter_name_zh"], address=request["address"], when=when[0]
        )
        en = tr("home_visit.summary", "en").format(
            matter=request["matter_name_en"], address=request["address"], when=when[1]
        )
        return zh, en

    def _slip(self, request: dict[str, Any]) -> PrintJob:
        """The slip in the person's language: the reference, the matter, where, and the booked
        time (or the time asked for, and how to see the booking later)."""
        lang = self._screens.language()
        matter = request["matter_name_en" if lang == "en" else "matter_name_zh"]
        visit = request.get("visit")
        sections: list[tuple[str, list[str]]] = [
            (tr("home_visit.slip.reference", lang), [request["reference"]]),
            (tr("home_visit.slip.matter", lang), [matter]),
            (tr("home_visit.slip.address", lang), [request["address"]]),
        ]
        if visit and not visit.get("cancelled") and not visit.get("outcome"):
            when = visit_time(visit["starts_at"], lang)
            sections.append((tr("home_visit.slip.booked", lang), [when, visit["staff_name"]]))
        else:
            preferred = [when_text(f"{p['day']}/{p['part']}", lang) for p in request["preferred"]]
            sections.append((tr("home_visit.slip.preferred", lang), preferred))
            sections.append((tr("home_visit.slip.next", lang), [tr("home_visit.slip.how", lang)]))
        footer = tr("home_visit.slip.footer", lang)
        return guide_slip_job(tr("home_visit.slip.title", lang), sections, footer=footer)

    # --- helpers ---------------------------------------------------------------------------

    def _current(self) -> _Draft | None:
        draft = self._draft
        return draft if draft is not None and self._visits.is_current(draft.visit) else None

    def _still(self, draft: _Draft) -> bool:
        """The answer is for the person still here, on this flow."""
        return self._draft is draft and self._visits.is_current(draft.visit)

    def _tell(self, outcome: Texts) -> None:
        self._view.tell(outcome)
        if self._screens.showing() == DONE_SCREEN:
            speak_pair(self._screens, *outcome)

    def _page(
        self, entries: list[tuple[str, str]], empty_key: str = "catalog.none", title_key: str = ""
    ) -> ListPage:
        return ListPage(
            tuple(entries),
            self.choose,
            self.name,
            title_key=title_key or "home_visit.title",
            empty_key=empty_key,
            voice_key="voice.home_visit",
        )


def both_when(when: str) -> Texts:
    return when_text(when, "zh"), when_text(when, "en")
