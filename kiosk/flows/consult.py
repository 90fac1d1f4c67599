"""One-tap consult from a guide (the pre-check or a question goes to the staff; a reference
number comes back, and can be printed), and reading a consult's answer by that number (read
aloud in elder mode, printable as a slip)."""

from __future__ import annotations

import functools
import logging
from typing import Any, Protocol

from kiosk import api
from kiosk.backoffice_client import Answer, CallFailed
from kiosk.config import Language
from kiosk.devices.base import PrintJob
from kiosk.devices.layouts import guide_slip_job
from kiosk.flows.browse import BrowseFlow
from kiosk.flows.guides import GuideView, SlipPrinter, reference_slip
from kiosk.flows.ports import BackOffice, Screens, both, speak_pair
from kiosk.i18n import tr
from kiosk.visit import Visit, Visits, VisitSummary

logger = logging.getLogger(__name__)


class AnswerView(Protocol):
    """The screen where a consult's answer is read by its reference number."""

    def say(self, key: str, **values: str) -> None: ...


def answer_slip(reference: str, answer: str, language: Language) -> PrintJob:
    """A consult's answer on paper, with its reference number."""
    sections = [
        (tr("consult.slip.reference", language), [reference]),
        (tr("answer.slip.answer", language), [answer]),
    ]
    footer = tr("query.slip.footer", language)
    return guide_slip_job(tr("answer.slip.title", language), sections, footer=footer)


class ConsultFlow:
    def __init__(
        self,
        backoffice: BackOffice,
        visits: Visits,
        screens: Screens,
        browse: BrowseFlow,
        guide: GuideView,
        answer: AnswerView,
        slips: SlipPrinter,
        answer_slips: SlipPrinter | None = None,
    ) -> None:
        self._backoffice = backoffice
        self._visits = visits
        self._screens = screens
        self._browse = browse
        self._guide = guide
        self._answer = answer
        self._slips = slips
        # Prints a read answer and says so on the answer screen.
        self._answer_slips = answer_slips or slips
        # The answer last read (reference, text), for its slip; forgotten with the visit.
        self.read: tuple[str, str] | None = None

    def send(self, code: str, ticked: set[str]) -> None:
        """The pre-check (or, for a matter without materials, a question about it) goes to the
        staff; the reference number comes back."""
        matter = self._browse.matter(code)
        if matter is None:
            return
        if not self._backoffice.online():
            self._guide.say("consult.offline")
            return
        visit = self._visits.ensure()
        language = self._screens.language()
        body: dict[str, Any] = {"matter_code": code, "language": language}
        body["visit_id"] = visit.visit_id
        if matter.materials:
            body["kind"] = "precheck"
            body["precheck"] = {m.code: m.code in ticked for m in matter.materials}
        else:
            body["kind"] = "question"
            body["question"] = tr("consult.question", language).format(name=matter.name[language])
        done = functools.partial(self._consulted, visit)
        self._backoffice.call("POST", api.CONSULTS, body, done)

    def print_reference(self, reference: str) -> None:
        self._slips.print(reference_slip(reference, self._screens.language()))

    def print_answer(self) -> None:
        if self.read is not None:
            reference, text = self.read
            self._answer_slips.print(answer_slip(reference, text, self._screens.language()))

    def read_answer(self, reference: str) -> None:
        self.read = None
        if not self._backoffice.online():
            self._answer.say("answer.offline")
            return
        visit = self._visits.ensure()
        visit.on_end(self._forget)
        done = functools.partial(self._answer_read, visit)
        self._backoffice.call("GET", api.consult(reference), None, done)

    def _consulted(self, visit: Visit, result: Answer | CallFailed) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(result, CallFailed):
            logger.warning("consult not sent: %s", result.detail)
            self._guide.say("consult.offline" if result.offline else "consult.failed")
            return
        reference = str(result.body["reference"])
        self._guide.show_reference(reference)
        spelled = " ".join(reference)
        self._screens.speak(tr("consult.sent", self._screens.language()).format(reference=spelled))

    def _answer_read(self, visit: Visit, result: Answer | CallFailed) -> None:
        if not self._visits.is_current(visit):
            return
        values: dict[str, str] = {}
        if isinstance(result, CallFailed):
            key = "answer.offline" if result.offline else "answer.not_found"
        elif result.body.get("answer"):
            key, values = "answer.text", {"answer": str(result.body["answer"])}
            self.read = (str(result.body.get("reference", "")), values["answer"])
        else:
            key = "answer.waiting"
        self._answer.say(key, **values)
        speak_pair(self._screens, *both(key, **values))

    def _forget(self, _summary: VisitSummary) -> None:
        self.read = None
