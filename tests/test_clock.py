from datetime import UTC, datetime, timedelta

import pytest

from backoffice.clock import ManualClock


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 10, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 10, 1, tzinfo=UTC)
    clock.advance(hours=2)
    assert clock.now() == datetime(2026, 10, 1, 2, tzinfo=UTC)
    clock.advance(timedelta(minutes=30))
    assert clock.now() == datetime(2026, 10, 1, 2, 30, tzinfo=UTC)


def test_manual_clock_refuses_naive_times_and_going_back() -> None:
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 10, 1))
    with pytest.raises(ValueError):
        ManualClock().advance(seconds=-1)
