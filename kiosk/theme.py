"""Colours and sizes of the kiosk, for standard and elder mode; no Kivy import."""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[float, float, float, float]


def hex_rgba(value: str) -> RGBA:
    value = value.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (red, green, blue, 1.0)


def contrast_ratio(foreground: RGBA, background: RGBA) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1..21)."""

    def luminance(colour: RGBA) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        red, green, blue = (channel(c) for c in colour[:3])
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# A calm palette: deep government blue bars with white text, dark ink on near-white tiles.
BRAND_BLUE = hex_rgba("#0B3A82")
PAGE_BACKGROUND = hex_rgba("#EEF2F7")
TILE_BACKGROUND = hex_rgba("#FFFFFF")
TILE_PRESSED = hex_rgba("#D6E4F5")
TILE_BORDER = hex_rgba("#9FB3CC")
INK = hex_rgba("#10243E")
INK_MUTED = hex_rgba("#33475F")
ON_BRAND = hex_rgba("#FFFFFF")
STATUS_BACKGROUND = hex_rgba("#1F2E40")
STATUS_OK = hex_rgba("#9BE7B0")
STATUS_WARN = hex_rgba("#FFD58A")
BUTTON_BACKGROUND = hex_rgba("#FFFFFF")
PRIMARY_PRESSED = hex_rgba("#072A5E")
# A main action that cannot be used yet (a bad rating without a reason): grey, not blue.
PRIMARY_DISABLED = hex_rgba("#4A5563")
OVERLAY = (0.04, 0.10, 0.18, 0.88)
SELECTED_BACKGROUND = hex_rgba("#0B3A82")
ALERT_BACKGROUND = hex_rgba("#8A1C14")
FACE_GOOD = hex_rgba("#0E5E2B")
FACE_MIDDLE = hex_rgba("#5A4600")
FACE_BAD = hex_rgba("#8A1C14")

# (foreground, background) pairs that carry text; each must reach 7:1 (WCAG AAA).
TEXT_PAIRS: dict[str, tuple[RGBA, RGBA]] = {
    "title bar": (ON_BRAND, BRAND_BLUE),
    "tile title": (INK, TILE_BACKGROUND),
    "tile title pressed": (INK, TILE_PRESSED),
    "tile subtitle": (INK_MUTED, TILE_BACKGROUND),
    "page text": (INK, PAGE_BACKGROUND),
    "page muted text": (INK_MUTED, PAGE_BACKGROUND),
    "toggle button": (BRAND_BLUE, BUTTON_BACKGROUND),
    "status bar": (ON_BRAND, STATUS_BACKGROUND),
    "status online": (STATUS_OK, STATUS_BACKGROUND),
    "status warning": (STATUS_WARN, STATUS_BACKGROUND),
    "offline banner": (INK, STATUS_WARN),
    "primary button": (ON_BRAND, BRAND_BLUE),
    "primary button pressed": (ON_BRAND, PRIMARY_PRESSED),
    "primary button disabled": (ON_BRAND, PRIMARY_DISABLED),
    "selected reason": (ON_BRAND, SELECTED_BACKGROUND),
    "out of service": (ON_BRAND, ALERT_BACKGROUND),
    "face word good": (FACE_GOOD, TILE_BACKGROUND),
    "face word middle": (FACE_MIDDLE, TILE_BACKGROUND),
    "face word bad": (FACE_BAD, TILE_BACKGROUND),
}


@dataclass(frozen=True)
class Sizes:
    """Font sizes in sp and control heights in dp."""

    title: float
    tile_title: float
    body: float
    small: float
    tile_height: float
    button_height: float
    bar_height: float
    status_height: float


# Standard: body text 24 sp, tiles 180 dp high.
STANDARD_SIZES = Sizes(
    title=34,
    tile_title=30,
    body=24,
    small=22,
    tile_height=180,
    button_height=64,
    bar_height=96,
    status_height=52,
)
# Elder mode (长辈模式): MIIT asks for text >= 18 dp with the largest >= 30 dp and controls
# >= 60x60 dp; these go well past that.
ELDER_SIZES = Sizes(
    title=44,
    tile_title=44,
    body=36,
    small=30,
    tile_height=200,
    button_height=96,
    bar_height=120,
    status_height=64,
)
