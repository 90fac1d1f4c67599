"""Catalog queries that answer: a receipt number typed first, or the person identified first
when the query is about them; then the back office's answer shown in plain words, read aloud in
elder mode and printed as a slip (names and ID numbers come masked from the back office)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from kiosk import api
from kiosk.backoffice_client import Answer, CallFailed
from kiosk.catalog import CatalogStore, QueryInfo
from kiosk.config import Language
from kiosk.devices.base import PrintJob
from kiosk.devices.layouts import guide_slip_job
from kiosk.flows.guides import SlipPrinter
from kiosk.flows.identify import IdentifyFlow, TokenResult
from kiosk.flows.ports import BackOffice, KioskDevices, Screens, both, speak_pair
from kiosk.i18n import tr
from kiosk.visit import Visit, Visits, VisitSummary

logger = logging.getLogger(__name__)

QUERY_SCREEN = "query"
# The service the identify screen names for a query about the person (and reopens after).
PERSONAL = "query.personal"
RECEIPT_DIGITS = 12
# Entries read aloud before "see the screen or print" (a list of places can be long).
SPOKEN_ENTRIES = 3


class QueryAnswerError(ValueError):
    """The back office's answer cannot be shown."""


@dataclass(frozen=True)
class Value:
    name: str
    label: dict[str, str]
    text: dict[str, str]

    def line(self, language: Language) -> str:
        separator = ": " if language == "en" else "："
        return f"{self.label[language]}{separator}{self.text[language]}"


@dataclass(frozen=True)
class QueryAnswer:
    """A query's answer as the back office words it: one row for a record, one per entry."""

    code: str
    name: dict[str, str]
    reference: str | None
    person: tuple[str, str] | None  # masked name, masked ID number
    as_of: dt.datetime
    rows: tuple[tuple[Value, ...], ...]

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> QueryAnswer:
        try:
            person = body.get("person")
            rows = tuple(
                tuple(
                    Value(
                        str(v["name"]),
                        {lang: str(v["label"][lang]) for lang in ("zh", "en")},
                        {lang: str(v["text"][lang]) for lang in ("zh", "en")},
                    )
                    for v in row
                )
                for row in body["rows"]
            )
            answer = cls(
                code=str(body["code"]),
                name={lang: str(body["name"][lang]) for lang in ("zh", "en")},
                reference=str(body["reference"]) if body.get("reference") else None,
                person=(str(person["masked_name"]), str(person.get("masked_id") or ""))
                if person
                else None,
                as_of=dt.datetime.fromisoformat(str(body["as_of"])),
                rows=rows,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise QueryAnswerError(f"not a query answer: {type(exc).__name__}") from exc
        if not rows or not all(rows):
            raise QueryAnswerError("an answer without rows")
        return answer

    def as_of_text(self, language: Language) -> str:
        local = self.as_of.astimezone() if self.as_of.tzinfo else self.as_of
        when = f"{local:%Y-%m-%d %H:%M}"
        return tr("query.as_of", language).format(when=when)

    def person_text(self, language: Language) -> str:
        if self.person is None:
            return ""
        name, id_number = self.person
        return tr("query.person", language).format(name=name, id=id_number).strip()

    def headings(self, language: Language) -> list[str]:
        """One heading per row: "result" for a record, "entry n" for each entry of a list."""
        if len(self.rows) == 1:
            return [tr("query.result", language)]
        return [tr("query.entry", language).format(n=n) for n in range(1, len(self.rows) + 1)]

    def spoken(self, language: Language) -> str:
        separator = ". " if language == "en" else "。"
        parts = [self.name[language]]
        for row in self.rows[:SPOKEN_ENTRIES]:
            parts.append(("; " if language == "en" else "；").join(v.line(language) for v in row))
        if len(self.rows) > SPOKEN_ENTRIES:
            parts.append(tr("query.more", language).format(count=len(self.rows)))
        return separator.join(parts)


def query_slip(answer: QueryAnswer, language: Language) -> PrintJob:
    """The answer on paper: who asked (masked), when it was true, each row's lines."""
    top = [answer.as_of_text(language)]
    if answer.person is not None:
        top.insert(0, answer.person_text(language))
    sections: list[tuple[str, list[str]]] = [(tr("query.slip.heading", language), top)]
    for heading, row in zip(answer.headings(language), answer.rows, strict=True):
        sections.append((heading, [v.line(language) for v in row]))
    footer = tr("query.slip.footer", language)
    return guide_slip_job(answer.name[language], sections, footer=footer)


class QueryView(Protocol):
    """The query screen: its title, the receipt keypad, the answer, and a notice line."""

    def open(self, code: str, asks: str) -> None: ...

    def show_answer(self, answer: QueryAnswer) -> None: ...

    def say(self, key: str, **values: str) -> None:
        """A notice: looking it up, why there is no answer, how the print went."""
        ...


class QueryFlow:
    def __init__(
        self,
        catalog: CatalogStore,
        backoffice: BackOffice,
        devices: KioskDevices,
        visits: Visits,
        screens: Screens,
        view: QueryView,
        identify: IdentifyFlow,
        slips: SlipPrinter,
    ) -> None:
        self._catalog = catalog
        self._backoffice = backoffice
        self._devices = devices
        self._visits = visits
        self._screens = screens
        self._view = view
        self._identify = identify
        self._slips = slips
        self._code = ""
        # A query about the person, waiting for them to show a card or code.
        self._pending = ""
        self.answer: QueryAnswer | None = None

    def info(self, code: str) -> QueryInfo | None:
        catalog = self._catalog.catalog
        return catalog.queries.get(code) if catalog else None

    def open(self, code: str) -> bool:
        """Ask query ``code`` (its receipt number or the person's identification first, when it
        needs one); False when it is not a query the back office answers."""
        info = self.info(code)
        if info is None or info.source != "upstream":
            return False
        visit = self._visits.ensure()
        visit.choose_matter(code)
        visit.on_end(self._forget)
        self._code, self.answer = code, None
        if info.asks == "identification" and not self._identify.has_proof():
            if not self._devices.can_identify():
                self._screens.service_out(PERSONAL, *both("service_out.no_identification"))
                return True
            self._pending = code
            self._identify.ask(PERSONAL)
            return True
        self._pending = ""
        self._view.open(code, info.asks)
        self._screens.show(QUERY_SCREEN)
        if info.asks == "identification":
            self._view.say("query.asking")
            self._identify.token_for(visit, functools.partial(self._with_token, visit, code))
        elif info.asks != "reference":
            self._ask(visit, code)
        return True

    def resume(self) -> None:
        """The person has shown a card or code: the query that asked for it goes on."""
        if self._pending:
            self.open(self._pending)

    def lookup(self, reference: str) -> None:
        """The receipt number typed on the query screen."""
        if self._code:
            self._ask(self._visits.ensure(), self._code, reference=reference)

    def print(self) -> None:
        if self.answer is not None:
            self._slips.print(query_slip(self.answer, self._screens.language()))

    # --- the back office's answer ------------------------------------------------------------

    def _with_token(self, visit: Visit, code: str, token: TokenResult) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(token, CallFailed):
            self._tell("query.offline" if token.offline else "query.identify_again")
            return
        self._ask(visit, code, headers={api.IDENTIFICATION_HEADER: token})

    def _ask(
        self,
        visit: Visit,
        code: str,
        reference: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not self._backoffice.online():
            self._tell("query.offline")
            return
        self._view.say("query.asking")
        path = api.query(code)
        if reference is not None:
            path += "?reference=" + quote(reference, safe="")
        done = functools.partial(self._answered, visit, code)
        self._backoffice.call("GET", path, None, done, headers=headers)

    def _answered(self, visit: Visit, code: str, result: Answer | CallFailed) -> None:
        if not self._visits.is_current(visit) or code != self._code:
            return  # the person left, or asked something else meanwhile
        if isinstance(result, CallFailed):
            logger.warning("query %s not answered: HTTP %s", code, result.status or "unreachable")
            self._tell(self._why(code, result))
            return
        try:
            answer = QueryAnswer.from_json(result.body)
        except QueryAnswerError as exc:
            logger.warning("query %s answer not usable: %s", code, exc)
            self._tell("query.failed")
            return
        self.answer = answer
        self._view.show_answer(answer)
        self._screens.speak(answer.spoken(self._screens.language()))

    def _why(self, code: str, failed: CallFailed) -> str:
        if failed.offline:
            return "query.offline"
        if failed.status == 503:
            return "query.unavailable"
        if failed.status == 404:
            info = self.info(code)
            asks_person = info is not None and info.asks == "identification"
            return "query.no_record" if asks_person else "query.not_found"
        if failed.status == 401:
            return "query.identify_again"
        return "query.failed"

    def _tell(self, key: str) -> None:
        self._view.say(key)
        speak_pair(self._screens, *both(key))

    def _forget(self, _summary: VisitSummary) -> None:
        self._code, self._pending, self.answer = "", "", None
