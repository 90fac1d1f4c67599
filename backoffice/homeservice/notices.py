"""Telling the requester the booked time. At the kiosk the slip says it; by text message only
through an adapter (``TextMessages``), which this back office does not have yet: without one,
the visit is marked for staff to phone the requester."""

from __future__ import annotations

from typing import Protocol

from backoffice.homeservice.models import HomeServiceRequest, HomeVisit
from backoffice.identity.models import Staff
from backoffice.workcal import SHANGHAI


class TextMessages(Protocol):
    """A text-message gateway for the requester of a home visit (an adapter, set on
    ``app.state.home_texts``). ``send`` returns whether the gateway accepted the message."""

    def send(self, request: HomeServiceRequest, text: str) -> bool: ...


def booked_text(request: HomeServiceRequest, visit: HomeVisit, staff: Staff) -> str:
    when = visit.starts_at.astimezone(SHANGHAI).strftime("%m月%d日 %H:%M")
    return (
        f"【江苏路街道】您的上门服务（编号{request.reference}）已预约：{when}，"
        f"工作人员{staff.display_name}上门办理。如需改期请致电社区事务受理服务中心。"
    )
