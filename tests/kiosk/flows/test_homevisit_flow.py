"""The home-visit flow without a window: proof first, a relative asking for a resident who
cannot come, the refusals said plainly, and nothing sent while the back office is away."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.backoffice_client import BackOfficeClient
from kiosk.catalog import Sender
from kiosk.devices.base import CardIdentity
from kiosk.flows.homevisit import when_text
from tests.cards import proven
from tests.conftest import LiveServer
from tests.kiosk.flows.conftest import Kiosk
from tests.kiosk.test_identify import FakeReader

RELATIVE = CardIdentity(
    card_kind="social_security",
    card_number="SH0000077",
    id_number="310105195001010036",
    name="周建华",
    birth_date=dt.date(1950, 1, 1),
)


def _identified(kiosk: Kiosk, sender: Sender) -> None:
    reader = FakeReader()
    kiosk.devices.card_readers = [reader]
    kiosk.flows.home.open("tile.home_visit")
    assert kiosk.window.screen == "identify"  # the service needs proof first
    client = BackOfficeClient(lambda: sender, kiosk.runner)
    reader.events.put(proven(RELATIVE, client.card_challenge))
    kiosk.flows.identify.drain()


def test_a_relative_asks_for_a_resident_who_cannot_come(
    make_kiosk: Any, office: LiveServer, office_sender: Sender
) -> None:
    kiosk: Kiosk = make_kiosk(send=office_sender, language="en")
    _identified(kiosk, office_sender)
    assert kiosk.window.screen == "matters"
    assert kiosk.lists.titles("en") == ["For myself", "For a family member who cannot come"]
    page = kiosk.lists.page
    assert page is not None
    page.choose("hv_for", "relative")
    assert "Apply for the home-care subsidy" in kiosk.lists.titles("en")
    kiosk.lists.page.choose("hv_matter", "EL-HOME-CARE")  # type: ignore[union-attr]
    assert kiosk.lists.titles("en") == [
        "Older person living alone", "Disability", "Ill or bedridden", "Another reason"
    ]  # fmt: skip
    kiosk.lists.page.choose("hv_reason", "illness")  # type: ignore[union-attr]
    times = [code for _kind, code in kiosk.lists.page.entries]  # type: ignore[union-attr]
    assert len(times) == 10 and times[0].endswith("/morning") and times[1].endswith("/afternoon")
    kiosk.lists.page.choose("hv_when", times[1])  # type: ignore[union-attr]
    assert kiosk.lists.titles("en")[0] == "Jiangsu Road"
    kiosk.lists.page.choose("hv_road", "JSL-R01")  # type: ignore[union-attr]

    assert kiosk.window.screen == "home_visit"
    assert kiosk.home_visit.printable
    assert kiosk.home_visit.outcome[1].startswith("Sent: reference SM")
    summary = kiosk.home_visit.summary[1].split("\n")
    assert summary[0] == "Apply for the home-care subsidy"
    assert summary[2] == when_text(times[1], "en")
    # No printer here: the slip says so instead of failing silently.
    kiosk.flows.home_visit.print_slip()
    assert kiosk.home_visit.printed[1].startswith("This kiosk has no printer")

    # Asking again, the relative sees the request waiting to be booked.
    kiosk.flows.home_visit.open()
    assert kiosk.lists.titles("en")[0] == ("Asked, not yet booked: Apply for the home-care subsidy")


def test_offline_nothing_is_asked_and_the_words_say_why(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk()
    kiosk.devices.card_readers = [FakeReader()]
    kiosk.flows.home_visit.open()
    assert kiosk.window.screen == "matters"
    assert kiosk.lists.page is not None and kiosk.lists.page.entries == ()
    assert kiosk.lists.page.empty_key == "home_visit.offline"
