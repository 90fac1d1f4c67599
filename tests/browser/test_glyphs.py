"""Every label on the Chinese pages is drawn with real glyphs, not missing-glyph boxes (tofu).

`document.fonts.check` only says whether a font is loaded, not whether the characters have
glyphs in any font the browser falls back to. So each character of each visible label is drawn
on a canvas in the label's own computed font and compared, pixel for pixel, with the same font's
drawing of a code point no font has (its missing-glyph box): equal drawings are tofu.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from backoffice.access import Role
from backoffice.demo.history import OpsData
from tests.browser.conftest import Ops, shoot

LABELS = (
    "h1, h2, nav a, button, th, dt, label, .tile-label, .brand-name, .map-legend span, a.btn, "
    "svg text"
)

# Returns, for each visible label, the characters drawn as the missing-glyph box.
FIND_TOFU = """
(selector) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const NO_GLYPH = String.fromCodePoint(0xF0001);  // plane-15 private use: no font draws it
  const cache = new Map();
  function drawing(ch, font) {
    const key = font + "|" + ch;
    if (cache.has(key)) { return cache.get(key); }
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font;
    ctx.textBaseline = "top";
    ctx.fillStyle = "#000";
    ctx.fillText(ch, 4, 4);
    const pixels = ctx.getImageData(0, 0, 64, 64).data.join(",");
    cache.set(key, pixels);
    return pixels;
  }
  function isTofu(ch, font) { return drawing(ch, font) === drawing(NO_GLYPH, font); }
  const bad = [];
  let checked = 0;
  const probe = "32px " + getComputedStyle(document.body).fontFamily;
  const selfTest = {
    missingIsTofu: isTofu(String.fromCodePoint(0xF0002), probe),
    latinIsNot: !isTofu("A", probe),
  };
  for (const el of document.querySelectorAll(selector)) {
    const isSvg = el instanceof SVGElement;
    const hidden = isSvg
      ? !el.getBBox().width
      : !el.offsetParent && getComputedStyle(el).position !== "fixed";
    if (hidden) { continue; }
    const text = ((isSvg ? el.textContent : el.innerText) || "").trim();
    if (!text) { continue; }
    const style = getComputedStyle(el);
    const font = style.fontWeight + " 32px " + style.fontFamily;
    const missing = [...new Set([...text].filter(ch => ch.trim() && isTofu(ch, font)))];
    checked += 1;
    if (missing.length) { bad.push({ label: text.slice(0, 40), missing: missing.join("") }); }
  }
  return { bad, checked, selfTest };
}
"""


def tofu_on(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(FIND_TOFU, LABELS)
    return result


def test_no_label_on_the_chinese_pages_is_a_missing_glyph_box(pages: Ops, ops: OpsData) -> None:
    page = pages.sign_in("demo-admin", ops.logins[Role.ADMIN].password)
    visited = [
        ("/ops/", "glyphs-dashboard"),
        ("/ops/cases", "glyphs-cases"),
        (f"/ops/cases/{ops.patrol_number}", "glyphs-case"),
        ("/ops/calls/new", "glyphs-call"),
        ("/ops/map", "glyphs-map"),
        ("/ops/rules", "glyphs-rules"),
        ("/ops/terminals", "glyphs-terminals"),
        ("/ops/cameras", "glyphs-cameras"),
    ]
    problems: dict[str, list[dict[str, str]]] = {}
    checked = 0
    for path, shot in visited:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        found = tofu_on(page)
        # The comparison itself works: a code point with no glyph is tofu, a Latin letter not.
        assert found["selfTest"] == {"missingIsTofu": True, "latinIsNot": True}
        checked += found["checked"]
        if found["bad"]:
            problems[path] = found["bad"]
        shoot(page, shot, full_page=False)
    assert checked > 50
    assert problems == {}, f"labels drawn as missing-glyph boxes: {problems}"
