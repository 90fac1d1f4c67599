"""The rating (好差评) that ends every visit: sent through the outbox after the visit it belongs
to, keyed by the visit so a resend counts once."""

from __future__ import annotations

import logging

from kiosk import api
from kiosk.flows.ports import Screens
from kiosk.outbox import Kind, Outbox
from kiosk.visit import EndReason, Visits

logger = logging.getLogger(__name__)

RATING_SCREEN = "rating"


class RatingFlow:
    def __init__(self, visits: Visits, outbox: Outbox, screens: Screens) -> None:
        self._visits = visits
        self._outbox = outbox
        self._screens = screens

    def ask(self) -> None:
        """The person says they are done: ask for the rating."""
        self._screens.show(RATING_SCREEN)

    def skip(self) -> None:
        """Done, without a rating."""
        self._visits.end(EndReason.FINISHED)

    def submit(self, level: int, reasons: list[str]) -> None:
        """End the visit, then queue its rating."""
        visit = self._visits.ensure()
        visit_id, matter = visit.visit_id, visit.matter
        self._visits.end(EndReason.FINISHED)
        if matter is None:
            # The back office rates a matter of a visit; a visit that chose none has nothing
            # to rate (the rating screen is reached from a matter's screens).
            logger.info("rating %s not sent: the visit chose no matter", level)
            return
        body = {"visit_id": visit_id, "matter_code": matter, "level": level, "reasons": reasons}
        self._outbox.add(Kind.RATING, api.RATINGS, body, idempotency_key=f"rating-{visit_id}")
