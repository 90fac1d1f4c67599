"""Reporting a problem in the neighbourhood: its type, the road and where on it (a crossing, a
house number, a collection point: so the report has a point), perhaps a photo from the kiosk
camera; sent at once to show the case number, or kept in the outbox while the back office
cannot be reached (the same report_id makes a resend file once)."""

from __future__ import annotations

import base64
import functools
import logging
import uuid
from typing import Any, Protocol

from kiosk.backoffice_client import Answer, CallFailed
from kiosk.config import Language
from kiosk.flows.lists import ListPage, Lists
from kiosk.flows.ports import BackOffice, KioskDevices, Screens, both, speak_pair
from kiosk.i18n import tr
from kiosk.outbox import Kind, Outbox
from kiosk.report import REPORTS_PATH, ChoicesStore
from kiosk.visit import ReportDraft, Visit, Visits

logger = logging.getLogger(__name__)

PHOTO_SCREEN = "report_photo"
DONE_SCREEN = "report_done"
Texts = tuple[str, str]


class ReportPhotoView(Protocol):
    def clear(self) -> None: ...

    def show_photo(self, jpeg: bytes) -> None: ...

    def say(self, key: str) -> None: ...


class ReportDoneView(Protocol):
    def summarise(self, summary: Texts, outcome: Texts) -> None: ...

    def tell(self, outcome: Texts) -> None: ...


class ReportFlow:
    def __init__(
        self,
        choices: ChoicesStore,
        backoffice: BackOffice,
        devices: KioskDevices,
        outbox: Outbox,
        visits: Visits,
        screens: Screens,
        lists: Lists,
        photo: ReportPhotoView,
        done: ReportDoneView,
    ) -> None:
        self._choices = choices
        self._backoffice = backoffice
        self._devices = devices
        self._outbox = outbox
        self._visits = visits
        self._screens = screens
        self._lists = lists
        self._photo = photo
        self._done = done

    def open(self) -> None:
        """What is the problem? (Without cached choices the list says plainly to wait.)"""
        choices = self._choices.choices
        types = [("report_type", code) for code in (choices.types if choices else {})]
        self._lists.start(self._page(types, "report.pick_type", "voice.report"))

    def choose(self, kind: str, code: str) -> None:
        """A tap on a type, then on a road."""
        visit = self._visits.ensure()
        choices = self._choices.choices
        if choices is None:
            return
        if kind == "report_type":
            visit.report = ReportDraft(code)
            roads = [("report_road", c) for c in choices.roads]
            self._lists.open(self._page(roads, "report.pick_road", "voice.report.road"))
            return
        draft = visit.report
        if draft is None or draft.type_code not in choices.types:
            return
        if kind == "report_road":
            draft.road_code = code
            draft.landmark_code = ""
            along = choices.landmarks.get(code, {})
            if along:
                entries = [("report_landmark", c) for c in along]
                self._lists.open(
                    self._page(entries, "report.pick_landmark", "voice.report.landmark")
                )
                return
        elif kind == "report_landmark":
            if code not in choices.landmarks.get(draft.road_code, {}):
                return
            draft.landmark_code = code
        self._after_place(visit, draft)

    def _after_place(self, visit: Visit, draft: ReportDraft) -> None:
        if self._devices.camera_ready():
            # A photo is offered, never required: the next screen sends with or without one.
            draft.photo = None
            self._photo.clear()
            self._screens.show(PHOTO_SCREEN)
            return
        self._file(visit, draft)

    def name(self, kind: str, code: str, language: Language) -> str:
        choices = self._choices.choices
        if choices is None:
            return code
        if kind == "report_landmark":
            visit = self._visits.current
            road = visit.report.road_code if visit and visit.report else ""
            return choices.landmarks.get(road, {}).get(code, {}).get(language, code)
        table = choices.types if kind == "report_type" else choices.roads
        return table[code][language]

    def take_photo(self) -> None:
        visit = self._visits.ensure()
        scanner = self._devices.qr_scanner
        jpeg = scanner.snapshot() if scanner is not None else None
        if jpeg is None or visit.report is None:
            self._photo.say("report.photo.failed")
            self._screens.announce("report.photo.failed")
            return
        visit.report.photo = jpeg
        self._photo.show_photo(jpeg)

    def send(self, with_photo: bool) -> None:
        visit = self._visits.current
        if visit is None or not self._visits.is_current(visit) or visit.report is None:
            return
        draft = visit.report
        if not with_photo:
            draft.photo = None
        self._file(visit, draft)

    def _file(self, visit: Visit, draft: ReportDraft) -> None:
        choices = self._choices.choices
        if choices is None or draft.type_code not in choices.types:
            return
        if draft.road_code not in choices.roads:
            return
        body = {"type_code": draft.type_code, "road_code": draft.road_code}
        landmark = choices.landmarks.get(draft.road_code, {}).get(draft.landmark_code)
        if landmark is not None:
            body["landmark_code"] = draft.landmark_code
        body["report_id"] = f"report-{uuid.uuid4()}"
        if draft.photo is not None:
            body["photo_jpeg_base64"] = base64.b64encode(draft.photo).decode("ascii")
        types, roads = choices.types[draft.type_code], choices.roads[draft.road_code]
        zh, en = (
            tr("report.summary", lang).format(
                type=types[lang], road=roads[lang] + (f" {landmark[lang]}" if landmark else "")
            )
            for lang in ("zh", "en")
        )
        self._done.summarise((zh, en), both("report.sending"))
        self._screens.show(DONE_SCREEN)
        if not self._backoffice.online():
            self._queue(visit, body)
            return
        answered = functools.partial(self._answered, visit, body)
        self._backoffice.call("POST", REPORTS_PATH, body, answered)

    def _queue(self, visit: Visit, body: dict[str, Any]) -> None:
        # Kept even if the person has left: a report is about a place, and its photo is one
        # the person chose to send.
        self._outbox.add(Kind.REPORT, REPORTS_PATH, body, idempotency_key=str(body["report_id"]))
        if self._visits.is_current(visit):
            self._tell(both("report.queued"))

    def _answered(self, visit: Visit, body: dict[str, Any], result: Answer | CallFailed) -> None:
        if isinstance(result, CallFailed) and result.offline:
            self._queue(visit, body)
            return
        if not self._visits.is_current(visit):
            return
        if isinstance(result, CallFailed):
            logger.warning("report refused: %s", result.detail)
            self._tell(both("report.failed"))
        else:
            self._tell(both("report.filed", number=str(result.body["case_number"])))

    def _tell(self, outcome: Texts) -> None:
        self._done.tell(outcome)
        if self._screens.showing() == DONE_SCREEN:
            speak_pair(self._screens, *outcome)

    def _page(self, entries: list[tuple[str, str]], title_key: str, voice_key: str) -> ListPage:
        return ListPage(
            tuple(entries),
            self.choose,
            self.name,
            title_key=title_key,
            empty_key="report.unavailable",
            voice_key=voice_key,
        )
