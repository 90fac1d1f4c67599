"""The medical record booklet at the kiosk: once the printer answers ready and the person's
identification is back, the records not yet printed are previewed as booklet pages, then
printed page by page; after each page the lines printed for sure are confirmed through the
outbox (kept even if the person has left: the paper is printed and must count)."""

from __future__ import annotations

import functools
import logging
from typing import Protocol

from kiosk import api
from kiosk.backoffice_client import Answer, CallFailed
from kiosk.booklet import MATTER_CODE, BookletAnswerError, BookletPrint
from kiosk.devices.base import PRINTER_ERRORS, PrinterError, PrinterStatus, PrintJob, PrintProgress
from kiosk.flows.identify import IdentifyFlow, TokenResult
from kiosk.flows.ports import BackOffice, KioskDevices, Runner, Screens, both, speak_pair
from kiosk.i18n import tr
from kiosk.outbox import Kind, Outbox
from kiosk.visit import Visit, Visits, VisitSummary

logger = logging.getLogger(__name__)

SERVICE = "tile.medical_booklet"
BOOKLET_SCREEN = "booklet"
Texts = tuple[str, str]


class BookletView(Protocol):
    def loading(self, message: Texts) -> None: ...

    def preview(self, booklet: BookletPrint, message: Texts) -> None: ...

    def tell(self, phase: str, message: Texts) -> None:
        """``phase``: printing, stopped, done or ended (nothing to print, offline, refused)."""
        ...


class BookletFlow:
    def __init__(
        self,
        backoffice: BackOffice,
        devices: KioskDevices,
        outbox: Outbox,
        visits: Visits,
        screens: Screens,
        view: BookletView,
        identify: IdentifyFlow,
        runner: Runner,
    ) -> None:
        self._backoffice = backoffice
        self._devices = devices
        self._outbox = outbox
        self._visits = visits
        self._screens = screens
        self._view = view
        self._identify = identify
        self._runner = runner
        # The print being previewed or printed, and whose it is; forgotten when the visit ends.
        self._booklet: BookletPrint | None = None

    def open(self) -> None:
        visit = self._visits.ensure()
        visit.choose_matter(MATTER_CODE)
        printer = self._devices.printer
        if printer is None:
            self._screens.service_out(SERVICE, *both("service_out.no_printer"))
            return
        self._booklet = None
        visit.on_end(self._forget)
        self._view.loading(both("booklet.loading"))
        self._screens.show(BOOKLET_SCREEN)
        if not self._backoffice.online():
            self._ended("booklet.offline")
            return
        done = functools.partial(self._printer_checked, visit)
        self._runner.run("printer-status", printer.status, done)

    def print(self) -> None:
        """Print what is left, page by page (a resume after paper out is the same tap)."""
        booklet, printer, visit = self._booklet, self._devices.printer, self._visits.current
        job = booklet.job() if booklet else None
        if booklet is None or job is None or printer is None:
            return
        pages = len(job.pages)
        self._tell("printing", both("booklet.printing", done="1", pages=str(pages)))

        def work() -> None:
            for number, page in enumerate(job.pages, 1):
                try:
                    result = printer.print_job(PrintJob(job.kind, (page,)))
                except PrinterError as exc:
                    self._runner.post(functools.partial(self._stopped, visit, booklet, exc))
                    return
                progress = result.progress
                self._runner.post(
                    functools.partial(self._printed, visit, booklet, progress, number, pages)
                )

        self._runner.run("print-booklet", work, lambda _none: None)

    # --- before the preview ----------------------------------------------------------------

    def _printer_checked(self, visit: Visit, status: PrinterStatus) -> None:
        if not self._visits.is_current(visit) or self._screens.showing() != BOOKLET_SCREEN:
            return  # the person left, or went elsewhere meanwhile
        error = PRINTER_ERRORS.get(status)
        if error is not None:
            self._screens.service_out(SERVICE, error.message_zh, error.message_en)
            return
        self._identify.token_for(visit, functools.partial(self._identified, visit))

    def _identified(self, visit: Visit, token: TokenResult) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(token, CallFailed):
            self._ended(_failure_key(token))
            return
        headers = {api.IDENTIFICATION_HEADER: token}
        done = functools.partial(self._answered, visit)
        self._backoffice.call("GET", api.MEDICAL_RECORDS, None, done, headers=headers)

    def _answered(self, visit: Visit, result: Answer | CallFailed) -> None:
        if not self._visits.is_current(visit):
            return
        if isinstance(result, CallFailed):
            logger.warning("booklet records not fetched: HTTP %s", result.status or "unreachable")
            self._ended(_failure_key(result))
            return
        try:
            booklet = BookletPrint.from_answer(result.body)
        except BookletAnswerError as exc:
            logger.warning("booklet records not usable: %s", exc)
            self._ended("booklet.failed")
            return
        if booklet.finished:
            self._ended("booklet.full" if booklet.booklet_full else "booklet.nothing")
            return
        self._booklet = booklet
        first = booklet.remaining[0].position
        count = str(len(booklet.remaining))
        zh, en = both("booklet.waiting", count=count, page=str(first.page), line=str(first.line))
        if (booklet.booklet_number or 1) > 1 and (first.page, first.line) == (1, 1):
            new_zh, new_en = both("booklet.new_booklet", number=str(booklet.booklet_number))
            zh, en = f"{new_zh}。{zh}", f"{new_en}. {en}"
        if booklet.booklet_full:
            full_zh, full_en = both("booklet.full_after")
            zh, en = f"{zh}。{full_zh}", f"{en}. {full_en}"
        self._view.preview(booklet, (zh, en))
        speak_pair(self._screens, zh, en)
        self._screens.announce("voice.booklet")

    def _ended(self, key: str) -> None:
        self._view.tell("ended", both(key))
        self._screens.announce(key)

    # --- while printing --------------------------------------------------------------------

    def _printed(
        self,
        visit: Visit | None,
        booklet: BookletPrint,
        progress: PrintProgress,
        number: int,
        pages: int,
    ) -> None:
        self._confirm(booklet, progress)
        if not self._visits.is_current(visit):
            return
        if number < pages:
            self._view.tell(
                "printing", both("booklet.printing", done=str(number + 1), pages=str(pages))
            )
            return
        first = booklet.lines[0].position.page
        self._tell("done", both("booklet.done", count=str(len(booklet.lines)), page=str(first)))

    def _stopped(self, visit: Visit | None, booklet: BookletPrint, error: PrinterError) -> None:
        self._confirm(booklet, error.progress)
        logger.warning("booklet print stopped: %s", error.reason_code)
        if not self._visits.is_current(visit):
            return
        printed, left = str(booklet.printed_count), str(len(booklet.remaining))
        self._tell(
            "stopped",
            (
                tr("booklet.stopped", "zh").format(
                    printed=printed, left=left, reason=error.message_zh
                ),
                tr("booklet.stopped", "en").format(
                    printed=printed, left=left, reason=error.message_en
                ),
            ),
        )

    def _confirm(self, booklet: BookletPrint, progress: PrintProgress) -> None:
        if booklet.advance(progress):
            body = booklet.confirmation()
            assert body is not None
            key = booklet.confirmation_key()
            self._outbox.add(Kind.PRINT_CONFIRMATION, api.MEDICAL_PRINTS, body, idempotency_key=key)

    def _tell(self, phase: str, message: Texts) -> None:
        self._view.tell(phase, message)
        speak_pair(self._screens, *message)

    def _forget(self, _summary: VisitSummary) -> None:
        self._booklet = None  # the records are personal: they leave with the person


def _failure_key(failed: CallFailed) -> str:
    """What the person is told when the records could not be had: no connection, the
    medical-insurance system down (503: nothing was printed), or no records."""
    if failed.offline:
        return "booklet.offline"
    return "booklet.upstream_down" if failed.status == 503 else "booklet.failed"
