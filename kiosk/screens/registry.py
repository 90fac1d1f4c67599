"""Every screen of the kiosk by name; the app builds each the first time it is shown."""

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
from kiosk.screens.renovation import RenovationScreen
from kiosk.screens.renovation_sign import RenovationSignScreen
from kiosk.screens.report_done import ReportDoneScreen
from kiosk.screens.report_photo import ReportPhotoScreen

# By the name each screen's kv rule gives it.
SCREEN_CLASSES: dict[str, type[KioskScreen]] = {
    "home": HomeScreen,
    "identify": IdentifyScreen,
    "keypad": KeypadScreen,
    "matters": MatterListScreen,
    "guide": GuideScreen,
    "answer": AnswerScreen,
    "query": QueryScreen,
    "booklet": BookletScreen,
    "report_photo": ReportPhotoScreen,
    "report_done": ReportDoneScreen,
    "renovation": RenovationScreen,
    "renovation_sign": RenovationSignScreen,
    "home_visit": HomeVisitScreen,
    "rating": RatingScreen,
    "out_of_service": OutOfServiceScreen,
}
