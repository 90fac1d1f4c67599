"""Every screen of the kiosk, in the order the app adds them (the first is shown at start)."""

from __future__ import annotations

from kiosk.screens.answer import AnswerScreen
from kiosk.screens.base import KioskScreen
from kiosk.screens.booklet import BookletScreen
from kiosk.screens.guide import GuideScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.home_visit import HomeVisitScreen
from kiosk.screens.identify import IdentifyScreen
from kiosk.screens.keypad import KeypadScreen
from kiosk.screens.matters import MatterListScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.screens.query import QueryScreen
from kiosk.screens.rating import RatingScreen
from kiosk.screens.report_done import ReportDoneScreen
from kiosk.screens.report_photo import ReportPhotoScreen

SCREEN_CLASSES: tuple[type[KioskScreen], ...] = (
    HomeScreen,
    IdentifyScreen,
    KeypadScreen,
    MatterListScreen,
    GuideScreen,
    AnswerScreen,
    QueryScreen,
    BookletScreen,
    ReportPhotoScreen,
    ReportDoneScreen,
    HomeVisitScreen,
    RatingScreen,
    OutOfServiceScreen,
)
