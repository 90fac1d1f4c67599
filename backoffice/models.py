"""Every table, imported in one place so Alembic and tests see the whole schema."""

from backoffice.cases.models import (
    Case,
    CaseCategory,
    CaseCounter,
    CaseEvent,
    CasePhoto,
    CaseReportRow,
    CaseType,
    DispatchRule,
)
from backoffice.cases.reports.rollup import CaseDailyCount
from backoffice.cases.sla.watch import CaseClock
from backoffice.cases.time_limits import TimeLimit
from backoffice.catalog.models import CatalogCategory, CatalogItem, CatalogVersion
from backoffice.consult.models import Consult
from backoffice.contacts.models import Contact, ContactReveal
from backoffice.db import Base
from backoffice.fleet.models import (
    EnrollmentCode,
    FleetAlert,
    FleetAuditEntry,
    Heartbeat,
    Terminal,
    TerminalCommand,
)
from backoffice.homeservice.models import HomeServiceRequest, HomeVisit
from backoffice.identity.models import ApiToken, Staff
from backoffice.medical.models import BookletProgress, PrintConfirmation
from backoffice.notify.models import (
    Delivery,
    DeliveryAlert,
    DeliveryAttempt,
    OutboxMessage,
    Subscription,
)
from backoffice.open311.models import Open311Key, Open311Token
from backoffice.places.models import Place
from backoffice.ratings.models import Rating, Rectification
from backoffice.refcache import ReferenceVersion
from backoffice.scheduler import JobTick
from backoffice.suishen.models import Identification
from backoffice.units.models import ResponsibleUnit
from backoffice.vision.models import Camera, LatestFrame, PushedFrame, Zone
from backoffice.visits.models import Visit
from backoffice.web.models import (
    AlarmAck,
    CallerContact,
    LoginAttempt,
    PoliceCall,
    PoliceFeedback,
    WebSession,
)

__all__ = [
    "AlarmAck",
    "ApiToken",
    "Base",
    "BookletProgress",
    "CallerContact",
    "Camera",
    "Case",
    "CaseCategory",
    "CaseClock",
    "CaseCounter",
    "CaseDailyCount",
    "CaseEvent",
    "CasePhoto",
    "CaseReportRow",
    "CaseType",
    "CatalogCategory",
    "CatalogItem",
    "CatalogVersion",
    "Consult",
    "Contact",
    "ContactReveal",
    "Delivery",
    "DeliveryAlert",
    "DeliveryAttempt",
    "DispatchRule",
    "EnrollmentCode",
    "FleetAlert",
    "FleetAuditEntry",
    "Heartbeat",
    "HomeServiceRequest",
    "HomeVisit",
    "Identification",
    "JobTick",
    "LatestFrame",
    "LoginAttempt",
    "Open311Key",
    "Open311Token",
    "OutboxMessage",
    "Place",
    "PoliceCall",
    "PoliceFeedback",
    "PrintConfirmation",
    "PushedFrame",
    "Rating",
    "Rectification",
    "ReferenceVersion",
    "ResponsibleUnit",
    "Staff",
    "Subscription",
    "Terminal",
    "TerminalCommand",
    "TimeLimit",
    "Visit",
    "WebSession",
    "Zone",
]
