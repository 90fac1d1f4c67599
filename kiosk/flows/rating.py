"""The rating (好差评) that ends every visit: sent through the outbox after the visit it belongs
to, keyed by the visit so a resend counts once. After a bad rating the person may leave a phone
number for a callback, only once they agreed to it. In counter mode (a counter's rating pad)
each rating is a visit of its own for the counter's matter, naming the counter and the staff.

The phone number is never logged; it waits in the outbox only until the back office has it."""

from __future__ import annotations

import logging
import re

from kiosk import api
from kiosk.config import CounterDesk
from kiosk.flows.ports import Screens
from kiosk.outbox import Kind, Outbox
from kiosk.visit import EndReason, Visits

logger = logging.getLogger(__name__)

RATING_SCREEN = "rating"
BAD_LEVELS = frozenset({1, 2})
# A mainland mobile number, or a landline with its area code (0 + 9-11 digits).
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11})$")


def callable_number(digits: str) -> bool:
    """Whether the typed digits are a number the office can call back."""
    return bool(_PHONE.match(digits))


class RatingFlow:
    def __init__(
        self,
        visits: Visits,
        outbox: Outbox,
        screens: Screens,
        counter: CounterDesk | None = None,
    ) -> None:
        self._visits = visits
        self._outbox = outbox
        self._screens = screens
        self.counter = counter

    @property
    def home_screen(self) -> str:
        """Where the next person starts: the faces on a counter's pad, else the home tiles."""
        return RATING_SCREEN if self.counter is not None else "home"

    def ask(self) -> None:
        """The person says they are done: ask for the rating."""
        self._screens.show(RATING_SCREEN)

    def skip(self) -> None:
        """Done, without a rating."""
        self._visits.end(EndReason.FINISHED)

    def submit(self, level: int, reasons: list[str], callback_phone: str | None = None) -> None:
        """End the visit, then queue its rating; `callback_phone` only after a bad rating and
        the person's yes to a callback (the screen asks before the number pad opens)."""
        if callback_phone is not None and (
            level not in BAD_LEVELS or not callable_number(callback_phone)
        ):
            raise ValueError("a callback number goes with a bad rating and must be callable")
        visit = self._visits.ensure()
        if self.counter is not None:
            visit.choose_matter(self.counter.matter)
        visit_id, matter = visit.visit_id, visit.matter
        self._visits.end(EndReason.FINISHED)
        if matter is None:
            # The back office rates a matter of a visit; a visit that chose none has nothing
            # to rate (the rating screen is reached from a matter's screens).
            logger.info("rating %s not sent: the visit chose no matter", level)
            return
        body: dict[str, object] = {
            "visit_id": visit_id,
            "matter_code": matter,
            "level": level,
            "reasons": reasons,
        }
        if self.counter is not None:
            body |= {"channel": "counter", "counter": self.counter.code}
            if self.counter.staff_code:
                body["staff_code"] = self.counter.staff_code
            if self.counter.staff_name:
                body["staff_name"] = self.counter.staff_name
        if callback_phone is not None:
            body |= {"callback_phone": callback_phone, "callback_consent": True}
        self._outbox.add(Kind.RATING, api.RATINGS, body, idempotency_key=f"rating-{visit_id}")
