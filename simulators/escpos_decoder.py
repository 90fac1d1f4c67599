"""An ESC/POS decoder: turns the bytes a printer receives back into lines of text (GB18030 in
Chinese mode), raster images, feeds and cuts, and renders them as a preview PNG.

It knows the commands the kiosk's driver and python-escpos send; anything else is recorded as
an unknown command so tests notice. ``DLE EOT n`` status requests come out as events so a peer
can answer them at once, as a printer does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ESC, GS, FS, DLE, EOT, LF, CR = 0x1B, 0x1D, 0x1C, 0x10, 0x04, 0x0A, 0x0D
PAPER_DOTS = 576  # 80 mm paper at 203 dpi
DEFAULT_SPACING = 30  # ESC 2: about 1/6 inch
FONT_DOTS = 24  # font A: 12x24 ASCII cells, 24x24 Chinese
# The previews' font, from the same installed font package as the kiosk's, found here by itself.
PREVIEW_FONT = ("pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf")


def preview_font() -> Path:
    """Noto Sans SC inside its installed package: Chinese glyphs for the preview PNGs."""
    package, name = PREVIEW_FONT
    path = Path(str(resources.files(package).joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(f"{name} not found in package {package}")
    return path


@dataclass(frozen=True)
class Style:
    bold: bool = False
    double_width: bool = False
    double_height: bool = False
    align: int = 0  # 0 left, 1 centre, 2 right


@dataclass(frozen=True)
class TextLine:
    text: str
    style: Style
    spacing: int  # dots the paper moves after the line
    chinese_mode: bool


@dataclass(frozen=True)
class Raster:
    image: Image.Image  # mode "1", black = 0


@dataclass(frozen=True)
class Feed:
    dots: int
    lines: int = 0  # ESC d n: n lines; ESC J: 0 (a feed in dots)


@dataclass(frozen=True)
class Cut:
    partial: bool


@dataclass(frozen=True)
class StatusRequest:
    n: int


@dataclass(frozen=True)
class Unknown:
    data: bytes


Element = TextLine | Raster | Feed | Cut | StatusRequest | Unknown


class NeedMore(Exception):
    """The buffer ends inside a command; wait for more bytes."""


# Commands with a fixed number of parameter bytes after the two command bytes.
_ESC_FIXED = {
    ord("@"): 0, ord("!"): 1, ord("E"): 1, ord("a"): 1, ord("3"): 1, ord("2"): 0,
    ord("d"): 1, ord("J"): 1, ord("t"): 1, ord("M"): 1, ord("-"): 1, ord("G"): 1,
    ord("{"): 1, ord("$"): 2, ord("V"): 1, ord("c"): 2, ord("p"): 3, ord("R"): 1,
}  # fmt: skip
_GS_FIXED = {
    ord("!"): 1, ord("B"): 1, ord("L"): 2, ord("W"): 2, ord("H"): 1, ord("h"): 1,
    ord("w"): 1, ord("f"): 1, ord("b"): 1, ord("a"): 1,
}  # fmt: skip
_FS_FIXED = {ord("&"): 0, ord("."): 0, ord("!"): 1, ord("-"): 1, ord("C"): 1, ord("S"): 2}


@dataclass
class EscPosDecoder:
    """Streaming decoder: ``feed`` bytes as they arrive, get the elements completed so far."""

    _buffer: bytearray = field(default_factory=bytearray)
    _text: bytearray = field(default_factory=bytearray)
    _style: Style = Style()
    _spacing: int = DEFAULT_SPACING
    _chinese: bool = False
    _codepage: str = "cp437"

    def feed(self, data: bytes) -> list[Element]:
        self._buffer += data
        out: list[Element] = []
        while self._buffer:
            try:
                used = self._step(out)
            except NeedMore:
                break
            del self._buffer[:used]
        return out

    def _need(self, size: int) -> None:
        if len(self._buffer) < size:
            raise NeedMore

    def _flush_text(self, out: list[Element], spacing: int) -> None:
        out.append(TextLine(self._decode_text(), self._style, spacing, self._chinese))
        self._text.clear()

    def _decode_text(self) -> str:
        raw = bytes(self._text)
        if self._chinese:
            return raw.decode("gb18030", errors="replace")
        return raw.decode(self._codepage, errors="replace")

    def _step(self, out: list[Element]) -> int:
        b = self._buffer
        first = b[0]
        if first == LF:
            self._flush_text(out, self._spacing)
            return 1
        if first == CR:
            return 1
        if first == DLE:
            self._need(3)
            if b[1] == EOT:
                out.append(StatusRequest(b[2]))
                return 3
            out.append(Unknown(bytes(b[:2])))
            return 2
        if first == ESC:
            return self._esc(out)
        if first == GS:
            return self._gs(out)
        if first == FS:
            self._need(2)
            size = _FS_FIXED.get(b[1])
            if size is None:
                out.append(Unknown(bytes(b[:2])))
                return 2
            self._need(2 + size)
            if b[1] == ord("&"):
                self._chinese = True
            elif b[1] == ord("."):
                self._chinese = False
            return 2 + size
        if self._chinese and 0x81 <= first <= 0xFE:
            # GB18030: two bytes, or four when the second byte is a digit.
            self._need(2)
            size = 4 if 0x30 <= b[1] <= 0x39 else 2
            self._need(size)
            self._text += b[:size]
            return size
        self._text.append(first)
        return 1

    def _esc(self, out: list[Element]) -> int:
        b = self._buffer
        self._need(2)
        command = b[1]
        if command == ord("*"):  # ESC * m nL nH d1..dk (column image); not sent by the kiosk
            self._need(5)
            width = b[3] | b[4] << 8
            size = 5 + width * (3 if b[2] in (32, 33) else 1)
            self._need(size)
            out.append(Unknown(bytes(b[:5])))
            return size
        fixed = _ESC_FIXED.get(command)
        if fixed is None:
            out.append(Unknown(bytes(b[:2])))
            return 2
        size = fixed
        self._need(2 + size)
        arg = b[2] if size else 0
        if command == ord("@"):
            self._style, self._spacing, self._chinese = Style(), DEFAULT_SPACING, False
            self._text.clear()
        elif command == ord("!"):
            self._style = Style(
                bold=bool(arg & 0x08),
                double_width=bool(arg & 0x20),
                double_height=bool(arg & 0x10),
                align=self._style.align,
            )
        elif command == ord("E"):
            self._style = _replace(self._style, bold=bool(arg & 1))
        elif command == ord("a"):
            self._style = _replace(self._style, align=arg % 48 if arg >= 48 else arg)
        elif command == ord("3"):
            self._spacing = arg
        elif command == ord("2"):
            self._spacing = DEFAULT_SPACING
        elif command == ord("d"):
            if self._text:
                self._flush_text(out, self._spacing)
            out.append(Feed(arg * self._spacing, arg))
        elif command == ord("J"):
            if self._text:
                self._flush_text(out, 0)
            out.append(Feed(arg))
        elif command == ord("t"):
            self._codepage = {0: "cp437", 16: "cp1252", 17: "cp866", 19: "cp858"}.get(arg, "cp437")
        return 2 + size

    def _gs(self, out: list[Element]) -> int:
        b = self._buffer
        self._need(2)
        command = b[1]
        if command == ord("V"):
            self._need(3)
            mode = b[2]
            size = 4 if mode in (65, 66, 103, 104) else 3
            self._need(size)
            if self._text:
                self._flush_text(out, self._spacing)
            out.append(Cut(partial=mode in (1, 49, 66)))
            return size
        if command == ord("v"):  # GS v 0 m xL xH yL yH data: raster bit image
            self._need(8)
            width_bytes = b[4] | b[5] << 8
            height = b[6] | b[7] << 8
            size = 8 + width_bytes * height
            self._need(size)
            out.append(Raster(_raster_image(bytes(b[8:size]), width_bytes, height)))
            return size
        if command == ord("("):  # GS ( X pL pH data
            self._need(5)
            size = 5 + (b[3] | b[4] << 8)
            self._need(size)
            out.append(Unknown(bytes(b[:3])))
            return size
        fixed = _GS_FIXED.get(command)
        if fixed is None:
            out.append(Unknown(bytes(b[:2])))
            return 2
        size = fixed
        self._need(2 + size)
        if command == ord("!"):
            arg = b[2]
            self._style = _replace(
                self._style, double_width=bool(arg & 0x70), double_height=bool(arg & 0x07)
            )
        return 2 + size


def _replace(
    style: Style,
    *,
    bold: bool | None = None,
    double_width: bool | None = None,
    double_height: bool | None = None,
    align: int | None = None,
) -> Style:
    return Style(
        bold=style.bold if bold is None else bold,
        double_width=style.double_width if double_width is None else double_width,
        double_height=style.double_height if double_height is None else double_height,
        align=style.align if align is None else align,
    )


def _raster_image(data: bytes, width_bytes: int, height: int) -> Image.Image:
    # ESC/POS raster: 1 bit per dot, 1 = black; PIL mode "1": 1 = white. Invert.
    image = Image.frombytes("1", (width_bytes * 8, height), bytes(255 - x for x in data))
    return image


def decode(data: bytes) -> list[Element]:
    """Decode a whole stream at once."""
    return EscPosDecoder().feed(data)


def pieces(elements: list[Element]) -> list[list[Element]]:
    """Split printed elements into the pieces of paper the cutter makes (the last piece may be
    uncut); status requests are dropped."""
    result: list[list[Element]] = [[]]
    for element in elements:
        if isinstance(element, StatusRequest):
            continue
        if isinstance(element, Cut):
            result.append([])
        else:
            result[-1].append(element)
    if not result[-1]:
        result.pop()
    return result


def texts(piece: list[Element]) -> list[str]:
    return [e.text for e in piece if isinstance(e, TextLine)]


def render_preview(
    elements: list[Element], font_path: Path, width: int = PAPER_DOTS
) -> Image.Image:
    """What the paper would look like: pieces one under another, a dashed line at each cut."""
    regular = ImageFont.truetype(str(font_path), FONT_DOTS)
    large = ImageFont.truetype(str(font_path), FONT_DOTS * 2)
    margin = 16
    canvas = Image.new("L", (width + 2 * margin, 40_000), 255)
    draw = ImageDraw.Draw(canvas)
    y = margin
    for element in elements:
        if isinstance(element, TextLine):
            font = large if element.style.double_height else regular
            height = FONT_DOTS * (2 if element.style.double_height else 1)
            text_width = draw.textlength(element.text, font=font)
            x = margin + {0: 0, 1: (width - text_width) / 2, 2: width - text_width}.get(
                element.style.align, 0
            )
            stroke = 1 if element.style.bold else 0
            draw.text((x, y), element.text, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
            y += max(element.spacing, height + 4)
        elif isinstance(element, Raster):
            canvas.paste(element.image.convert("L"), (margin, y))
            y += element.image.height
        elif isinstance(element, Feed):
            y += element.dots
        elif isinstance(element, Cut):
            for x in range(0, width + 2 * margin, 16):
                draw.line((x, y + 8, x + 8, y + 8), fill=0, width=2)
            y += 24
        if y > canvas.height - 200:
            break
    return canvas.crop((0, 0, canvas.width, y + margin))
