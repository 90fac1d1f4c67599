"""What may follow what for a home-service request: one table, checked before any write."""

from __future__ import annotations

from backoffice.errors import Conflict
from backoffice.homeservice.models import HomeServiceRequest, RequestStatus

S = RequestStatus
ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.REQUESTED: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.DONE, S.NEEDS_DOCUMENTS, S.NOT_POSSIBLE, S.CANCELLED}),
    # Once the papers are there, another visit is booked.
    S.NEEDS_DOCUMENTS: frozenset({S.BOOKED, S.CANCELLED}),
    S.DONE: frozenset(),
    S.NOT_POSSIBLE: frozenset(),
    S.CANCELLED: frozenset(),
}


def check(request: HomeServiceRequest, to: RequestStatus, action: str) -> None:
    allowed = ALLOWED[request.status]
    if to not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "nothing (it is finished)"
        raise Conflict(
            f"Cannot {action}: request {request.reference} is {request.status.value}; from "
            f"there it may go to {names}."
        )


def move(request: HomeServiceRequest, to: RequestStatus, action: str) -> None:
    check(request, to, action)
    request.status = to
