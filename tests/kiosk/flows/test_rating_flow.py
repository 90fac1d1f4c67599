"""The rating without a window: it ends the visit, then goes through the outbox once."""

from __future__ import annotations

from typing import Any

from kiosk.outbox import Kind
from tests.kiosk.flows.conftest import Kiosk


def test_a_rating_names_the_visits_matter_and_is_keyed_by_the_visit(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk()
    kiosk.flows.browse.open_matter("SI-RECORD-PRINT")
    visit_id = kiosk.visits.ensure().visit_id
    kiosk.flows.rating.ask()
    assert kiosk.window.screen == "rating"

    kiosk.flows.rating.submit(2, ["too_slow"])

    assert kiosk.visits.current is None
    assert [s.reason.value for s in kiosk.ended] == ["finished"]
    [rating] = kiosk.outbox.items()
    assert (rating.kind, rating.idempotency_key) == (Kind.RATING, f"rating-{visit_id}")
    assert rating.body == {
        "visit_id": visit_id,
        "matter_code": "SI-RECORD-PRINT",
        "level": 2,
        "reasons": ["too_slow"],
    }


def test_a_visit_without_a_matter_ends_with_nothing_to_rate(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk()
    kiosk.visits.touch()
    kiosk.flows.rating.submit(5, [])
    assert kiosk.outbox.items() == [] and len(kiosk.ended) == 1
    kiosk.visits.touch()
    kiosk.flows.rating.skip()
    assert kiosk.outbox.items() == [] and len(kiosk.ended) == 2
