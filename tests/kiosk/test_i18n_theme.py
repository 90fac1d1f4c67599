"""The string table is complete in both languages, and every text colour pair reaches 7:1."""

from __future__ import annotations

import pytest

from kiosk.i18n import STRINGS, tr
from kiosk.theme import TEXT_PAIRS, contrast_ratio, hex_rgba


def test_every_string_has_chinese_and_english() -> None:
    for key, (chinese, english) in STRINGS.items():
        assert chinese.strip() and english.strip(), key


def test_tr_picks_the_language() -> None:
    assert tr("app.title", "zh") == "智理自助服务终端"
    assert tr("app.title", "en") == "Zhili self-service terminal"
    assert tr("booklet.print", "en") == "Print"
    with pytest.raises(KeyError):
        tr("no.such.key", "zh")


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    black, white = hex_rgba("#000000"), hex_rgba("#FFFFFF")
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == pytest.approx(1.0)
    assert contrast_ratio(hex_rgba("#767676"), white) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", sorted(TEXT_PAIRS))
def test_text_colours_reach_aaa_contrast(name: str) -> None:
    foreground, background = TEXT_PAIRS[name]
    assert contrast_ratio(foreground, background) >= 7.0
