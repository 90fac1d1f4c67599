"""Paths of the back-office endpoints the kiosk posts to (see backoffice/ for their schemas)."""

from __future__ import annotations

VISITS = "/api/v1/visits"
RATINGS = "/api/v1/ratings"
IDENTIFICATIONS = "/api/v1/identifications"
# POST: a one-time challenge for the card's internal authentication.
CARD_CHALLENGES = "/api/v1/identifications/challenges"
CONSULTS = "/api/v1/consults"
# GET with the X-Identification header: the records not yet in the booklet and a print ticket.
MEDICAL_RECORDS = "/api/v1/medical/records"
# POST {"ticket", "page", "line"}: everything up to that line is printed (through the outbox).
MEDICAL_PRINTS = "/api/v1/medical/prints"
IDENTIFICATION_HEADER = "X-Identification"
# With the X-Identification header: GET the person's open requests and what they can ask for;
# POST a request for a home visit (上门服务).
HOME_VISIT_REQUESTS = "/api/v1/home-services/kiosk-requests"
# GET, with ?reference= or the X-Identification header when the query asks for one.
QUERIES = "/api/v1/queries"


def consult(reference: str) -> str:
    """Where a consult is read back by its reference number."""
    return f"{CONSULTS}/{reference}"


def query(code: str) -> str:
    """Where a catalog query is answered."""
    return f"{QUERIES}/{code}"


def command_ack(command_id: int | str) -> str:
    """Where the kiosk reports what a fleet command did: ``{"ok": bool, "result": str}``."""
    return f"/api/v1/fleet/commands/{command_id}/ack"


def command_screenshot(command_id: int | str) -> str:
    """Where a screenshot command's PNG goes (PUT, the image bytes), before the ack."""
    return f"/api/v1/fleet/commands/{command_id}/screenshot"
