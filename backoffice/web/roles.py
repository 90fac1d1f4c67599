"""Which roles open which page: one table, read by the nav and by every page's check."""

from __future__ import annotations

from backoffice.access import SUBDISTRICT_ROLES, Role
from backoffice.contacts.service import CALLBACK_ROLES

R = Role
ALL_STAFF = frozenset(Role)
# The cases API lets every staff role read cases (a unit's staff only their unit's).
CASE_READERS = ALL_STAFF
CALL_TAKERS = frozenset({R.CALL_TAKER, R.OPERATOR, R.SHIFT_LEADER, R.ADMIN})
RULE_READERS = SUBDISTRICT_ROLES
RULE_EDITORS = frozenset({R.ADMIN})
REPORT_READERS = SUBDISTRICT_ROLES - {R.TERMINAL_MANAGER}
# The same sets as the fleet API (backoffice.fleet.router).
FLEET_READERS = frozenset({R.ADMIN, R.TERMINAL_MANAGER, R.OPERATOR, R.SHIFT_LEADER, R.VIEWER})
FLEET_MANAGERS = frozenset({R.ADMIN, R.TERMINAL_MANAGER})
# The same sets as the vision API (backoffice.vision.router).
CAMERA_EDITORS = frozenset({R.ADMIN, R.OPERATOR})
CAMERA_READERS = CAMERA_EDITORS | {R.SHIFT_LEADER, R.DISPATCHER, R.INSPECTOR, R.VIEWER}
# The same sets as the ratings and consult APIs (backoffice.ratings.router, consult.router).
RATING_READERS = frozenset({R.ADMIN, R.OPERATOR, R.SHIFT_LEADER, R.VIEWER})
RATING_FOLLOWERS = frozenset({R.ADMIN, R.OPERATOR, R.SHIFT_LEADER})  # callback, appeal, outcome
APPEAL_DECIDERS = frozenset({R.ADMIN, R.SHIFT_LEADER})
CONSULT_ANSWERERS = frozenset({R.ADMIN, R.OPERATOR, R.CALL_TAKER})
CONSULT_READERS = CONSULT_ANSWERERS | {R.VIEWER}
# Who may see a caller's or rater's phone number in full to call back (each reveal audited).
CALLERS_BACK = CALLBACK_ROLES
# Counter staff hand out new medical record booklets and register them.
BOOKLET_REGISTRARS = CONSULT_ANSWERERS
BOOKLET_READERS = BOOKLET_REGISTRARS | {R.SHIFT_LEADER, R.VIEWER}
AUDIT_READERS = frozenset({R.ADMIN})
# The same sets as the home-service API (backoffice.homeservice): the desk takes requests and
# books visits; the subdistrict's staff but the fleet's technicians may be booked and see theirs.
HOME_VISIT_DESK = frozenset({R.ADMIN, R.OPERATOR, R.CALL_TAKER, R.SHIFT_LEADER})
HOME_VISIT_READERS = SUBDISTRICT_ROLES - {R.TERMINAL_MANAGER}
# The same managers as the notification API (backoffice.notify.router); a shift leader reads.
NOTIFY_MANAGERS = frozenset({R.ADMIN, R.OPERATOR})
NOTIFY_READERS = NOTIFY_MANAGERS | {R.SHIFT_LEADER}
# Who is at the ops-centre desk when an AI-patrol case comes in, and may silence its alarm.
ALARM_WATCHERS = frozenset({R.OPERATOR, R.SHIFT_LEADER, R.DISPATCHER, R.CALL_TAKER, R.ADMIN})

# The map shows cases, so whoever reads cases (each their own) may open it.
MAP_READERS = CASE_READERS

NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("/ops/", "Dashboard", ALL_STAFF),
    ("/ops/cases", "Cases", CASE_READERS),
    ("/ops/map", "Map", MAP_READERS),
    ("/ops/calls/new", "Take a call", CALL_TAKERS),
    ("/ops/rules", "Dispatch rules", RULE_READERS),
    ("/ops/report", "Weekly report", REPORT_READERS),
    ("/ops/cameras", "Cameras", CAMERA_READERS),
    ("/ops/terminals", "Terminals", FLEET_READERS),
    ("/ops/ratings", "Ratings", RATING_READERS),
    ("/ops/consults", "Consults", CONSULT_READERS),
    ("/ops/booklets", "Booklets", BOOKLET_READERS),
    ("/ops/home-visits", "Home visits", HOME_VISIT_READERS),
    ("/ops/deliveries", "Notifications", NOTIFY_READERS),
    ("/ops/audit", "Sign-in audit", AUDIT_READERS),
]
