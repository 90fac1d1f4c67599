"""The visit without a window: identification, the idle timer on a hand-moved clock, the wipe."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.visit import (
    DEFAULT_VOLUME,
    EndReason,
    Identity,
    IdlePhase,
    Proof,
    ReportDraft,
    Visit,
    VisitEnded,
    VisitSummary,
)
from tests.kiosk.conftest import ManualTicker

CARD = Identity(Proof.CARD, masked_name="张*明", secret="identification-token-1")
TYPED = Identity(Proof.TYPED, masked_name="", secret="11010519491231002X")


def test_only_a_card_or_suishen_code_unlocks_personal_records() -> None:
    assert CARD.unlocks_personal_records is True
    assert Identity(Proof.SUISHEN, "李*", "t").unlocks_personal_records is True
    assert TYPED.unlocks_personal_records is False


def test_identity_repr_never_shows_the_secret() -> None:
    assert "11010519491231002X" not in repr(TYPED)
    assert "identification-token-1" not in repr(CARD)


def test_greeting_uses_the_masked_name_only() -> None:
    visit = Visit(ManualTicker())
    assert visit.greeting_name == ""
    visit.identify(CARD)
    assert visit.greeting_name == "张*明"


def test_idle_timer_warns_after_60_s_and_ends_after_30_more() -> None:
    ticker = ManualTicker()
    visit = Visit(ticker)
    ended: list[VisitSummary] = []
    visit.on_end(ended.append)

    ticker.advance(59.5)
    assert visit.tick() == IdlePhase.ACTIVE
    ticker.advance(0.5)
    assert visit.tick() == IdlePhase.WARNING
    assert visit.seconds_left() == 30
    ticker.advance(10.5)
    assert visit.seconds_left() == 20
    ticker.advance(19.25)
    assert visit.tick() == IdlePhase.WARNING
    assert visit.seconds_left() == 1
    assert ended == []
    ticker.advance(0.25)
    assert visit.tick() == IdlePhase.EXPIRED

    assert [s.reason for s in ended] == [EndReason.TIMED_OUT]
    assert ended[0].duration_s == pytest.approx(90.0)
    assert visit.ended == EndReason.TIMED_OUT


def test_a_touch_during_the_warning_gives_the_full_time_back() -> None:
    ticker = ManualTicker()
    visit = Visit(ticker)
    ticker.advance(75)
    assert visit.tick() == IdlePhase.WARNING
    visit.touch()
    assert visit.tick() == IdlePhase.ACTIVE
    ticker.advance(59)
    assert visit.tick() == IdlePhase.ACTIVE
    assert visit.seconds_left() == 31


def test_elder_mode_allows_twice_the_quiet_time() -> None:
    ticker = ManualTicker()
    visit = Visit(ticker, elder_mode=True)
    ticker.advance(119)
    assert visit.tick() == IdlePhase.ACTIVE
    ticker.advance(1)
    assert visit.tick() == IdlePhase.WARNING
    assert visit.seconds_left() == 30


def test_a_warning_shorter_than_20_s_is_refused() -> None:
    with pytest.raises(ValueError, match="20 s"):
        Visit(ManualTicker(), warning_s=19)


@pytest.mark.parametrize("reason", list(EndReason))
def test_ending_wipes_everything_personal_and_reports_nothing_personal(reason: EndReason) -> None:
    ticker = ManualTicker()
    visit = Visit(ticker, language="en", elder_mode=True)
    visit.identify(CARD)
    visit.choose_matter("medical_booklet")
    visit.choose_matter("guides")
    visit.choose_matter("medical_booklet")
    visit.identification_token = "token-for-records"
    visit.report = ReportDraft("E-0506", "JSL-R01", photo=b"\xff\xd8 a face")
    visit.volume = 1.0
    ticker.advance(42)

    summary = visit.end(reason)

    assert visit.identity is None
    assert visit.matter is None
    assert visit.identification_token is None
    assert visit.report is None
    assert visit.greeting_name == ""
    assert visit.volume == DEFAULT_VOLUME
    assert summary.as_json() == {
        "visit_id": visit.visit_id,
        "outcome": reason.value,
        "matters": ["medical_booklet", "guides"],
        "duration_s": 42.0,
        "language": "en",
        "elder_mode": True,
        "identified_by": "card",
    }
    assert "张" not in str(summary.as_json())


def test_end_listeners_hear_once_and_an_ended_visit_takes_nothing_more() -> None:
    visit = Visit(ManualTicker())
    heard: list[EndReason] = []
    visit.on_end(lambda s: heard.append(s.reason))
    visit.end(EndReason.CARD_REMOVED)

    assert heard == [EndReason.CARD_REMOVED]
    assert visit.tick() == IdlePhase.EXPIRED
    assert heard == [EndReason.CARD_REMOVED]
    with pytest.raises(VisitEnded):
        visit.end(EndReason.FINISHED)
    with pytest.raises(VisitEnded):
        visit.identify(CARD)
    with pytest.raises(VisitEnded):
        visit.touch()


def test_each_visit_starts_at_the_default_volume_with_its_own_id() -> None:
    first = Visit(ManualTicker())
    first.volume = 0.2
    second = Visit(ManualTicker())
    assert second.volume == DEFAULT_VOLUME
    assert second.visit_id != first.visit_id


@given(st.lists(st.floats(min_value=0, max_value=200), max_size=20))
def test_seconds_left_never_exceeds_the_warning_while_warning(steps: list[float]) -> None:
    ticker = ManualTicker()
    visit = Visit(ticker)
    for step in steps:
        ticker.advance(step)
        phase = visit.tick()
        if phase == IdlePhase.WARNING:
            assert 1 <= visit.seconds_left() <= 30
        if phase == IdlePhase.EXPIRED:
            assert visit.ended == EndReason.TIMED_OUT
            break
