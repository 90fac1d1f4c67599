"""Every table, imported in one place so Alembic and tests see the whole schema."""

from backoffice.db import Base
from backoffice.fleet.models import EnrollmentCode, Heartbeat, Terminal
from backoffice.identity.models import ApiToken, Staff
from backoffice.units.models import ResponsibleUnit

__all__ = [
    "ApiToken",
    "Base",
    "EnrollmentCode",
    "Heartbeat",
    "ResponsibleUnit",
    "Staff",
    "Terminal",
]
