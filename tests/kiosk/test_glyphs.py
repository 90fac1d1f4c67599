"""Every character the kiosk can show has a glyph in its font, so no tofu boxes on screen."""

from __future__ import annotations

import re
from pathlib import Path

from fontTools.ttLib import TTFont

import kiosk
from kiosk.fonts import font_path
from kiosk.i18n import STRINGS

KV_FILES = sorted(Path(kiosk.__file__).parent.rglob("*.kv"))
KV_STRING_LITERAL = re.compile(r"\btext:.*")
QUOTED = re.compile(r"\"([^\"]*)\"|'([^']*)'")


def kv_texts() -> list[str]:
    """Quoted strings on the kv files' `text:` lines (literal texts and literals in expressions)."""
    texts: list[str] = []
    for path in KV_FILES:
        for line in KV_STRING_LITERAL.findall(path.read_text(encoding="utf-8")):
            for double, single in QUOTED.findall(line):
                texts.append(double or single)
    return texts


def test_kv_files_found_and_text_lines_read() -> None:
    assert {p.name for p in KV_FILES} >= {"app.kv", "home.kv", "booklet.kv"}
    assert "● " in kv_texts()


def test_every_shown_character_has_a_glyph() -> None:
    cmap = TTFont(font_path(), lazy=True).getBestCmap()
    shown = [text for pair in STRINGS.values() for text in pair] + kv_texts()
    missing = sorted(
        {ch for text in shown for ch in text if not ch.isspace()} - {chr(cp) for cp in cmap}
    )
    assert not missing, "no glyph for: " + " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing)
