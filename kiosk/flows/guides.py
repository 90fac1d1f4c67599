"""A matter's guide on paper and in words: the material pre-check's summary, the guide slip, and
the printer that prints slips (a guide, a consult's reference) off the UI thread."""

from __future__ import annotations

import logging
from typing import Protocol

from kiosk.catalog import Matter
from kiosk.config import Language
from kiosk.devices.base import PaperOut, PrinterError, PrintJob
from kiosk.devices.layouts import guide_slip_job
from kiosk.flows.ports import KioskDevices, Runner, Screens
from kiosk.i18n import tr
from kiosk.visit import Visit, Visits

logger = logging.getLogger(__name__)

PLACE_FIELDS = ("place", "hours", "fee", "time_limit")


class Notices(Protocol):
    """A screen that says how a print went."""

    def say(self, key: str, **values: str) -> None: ...


class GuideView(Protocol):
    """The guide screen, as the guide, slip and consult flows fill it."""

    def open(self, code: str) -> None: ...

    def say(self, key: str, **values: str) -> None:
        """The outcome of a print or a consult, on the guide's last page."""
        ...

    def show_reference(self, reference: str) -> None: ...


def missing_text(matter: Matter | None, ticked: set[str], language: Language) -> str:
    """What the pre-check says: nothing to bring, everything there, or what is missing."""
    if matter is None or not matter.materials:
        return tr("precheck.none", language)
    missing = matter.missing(ticked)
    if not missing:
        return tr("precheck.complete", language)
    separator = ", " if language == "en" else "、"
    names = separator.join(m.name[language] for m in missing)
    return tr("precheck.missing", language).format(count=len(missing), names=names)


def guide_slip(matter: Matter, ticked: set[str], language: Language) -> PrintJob:
    """The guide on paper: steps, the materials and what is still missing, place and hours."""
    fields = [
        tr(f"guide.field.{name}", language).format(value=getattr(matter, name)[language])
        for name in PLACE_FIELDS
    ]
    steps = [f"{i}. {s[language]}" for i, s in enumerate(matter.steps, 1)]
    sections: list[tuple[str, list[str]]] = [(tr("guide.steps", language), steps)]
    if matter.materials:
        names = [m.name[language] for m in matter.materials]
        missing = missing_text(matter, ticked, language)
        sections.append((tr("guide.slip.materials", language), [*names, missing]))
    sections.append((tr("guide.place", language), fields))
    return guide_slip_job(matter.name[language], sections)


def reference_slip(reference: str, language: Language) -> PrintJob:
    title = tr("consult.slip.title", language)
    detail = tr("consult.sent", language).format(reference=reference)
    return guide_slip_job(title, [(tr("consult.slip.reference", language), [reference, detail])])


class SlipPrinter:
    """Prints a slip and says how it went on the screen that printed it (a guide's last page, a
    query's answer)."""

    def __init__(
        self,
        devices: KioskDevices,
        visits: Visits,
        screens: Screens,
        view: Notices,
        runner: Runner,
    ) -> None:
        self._devices = devices
        self._visits = visits
        self._screens = screens
        self._view = view
        self._runner = runner

    def print(self, job: PrintJob) -> None:
        printer, visit = self._devices.printer, self._visits.current
        if printer is None:
            self._view.say("print.no_printer")
            return
        self._view.say("print.printing")

        def work() -> str:
            try:
                printer.print_job(job)
            except PaperOut:
                return "print.paper_out"
            except PrinterError as exc:
                logger.warning("slip not printed: %s", type(exc).__name__)
                return "print.failed"
            return "print.done"

        self._runner.run("print-slip", work, lambda key: self._printed(visit, key))

    def _printed(self, visit: Visit | None, key: str) -> None:
        if not self._visits.is_current(visit):
            return  # the person left; the next one must not see it
        self._view.say(key)
        self._screens.speak(tr(key, self._screens.language()))
