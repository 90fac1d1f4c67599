"""The ESC/POS decoder: GB18030 in Chinese mode, styles, raster images, cuts, status requests,
and the same result however the bytes are split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulators.escpos_decoder import (
    Cut,
    EscPosDecoder,
    Feed,
    Raster,
    StatusRequest,
    TextLine,
    Unknown,
    decode,
    pieces,
    texts,
)

SAMPLE = (
    b"\x1b@\x1c&"
    + "医保“记录”，。€𠀀".encode("gb18030")
    + b"\n\x10\x04\x04\x1d!\x11"
    + "标题".encode("gb18030")
    + b"\n\x1d!\x00\x1bE\x01bold\n\x1bE\x00\x1bd\x04\x1dV\x01"
    + b"\x1dv0\x00\x01\x00\x02\x00\xff\x00"
    + b"\x1dV\x00"
)


def test_decodes_what_the_driver_sends() -> None:
    elements = decode(SAMPLE)
    lines = [e for e in elements if isinstance(e, TextLine)]
    assert [line.text for line in lines] == ["医保“记录”，。€𠀀", "标题", "bold"]
    assert lines[0].chinese_mode and not lines[0].style.bold
    assert lines[1].style.double_height and lines[1].style.double_width
    assert lines[2].style.bold and not lines[2].style.double_height
    assert StatusRequest(4) in elements
    assert Feed(4 * 30, 4) in elements
    raster = next(e for e in elements if isinstance(e, Raster))
    assert raster.image.size == (8, 2)
    assert raster.image.getpixel((0, 0)) == 0 and raster.image.getpixel((0, 1)) == 255
    assert [type(e) for e in elements].count(Cut) == 2
    assert [texts(p) for p in pieces(elements)] == [["医保“记录”，。€𠀀", "标题", "bold"], []]
    assert not [e for e in elements if isinstance(e, Unknown)]


def test_without_chinese_mode_the_bytes_come_out_as_garbage() -> None:
    # What a printer shows when sent GB18030 without FS & (python-escpos's default).
    (line,) = decode(b"\x1b@" + "医保".encode("gb18030") + b"\n")
    assert isinstance(line, TextLine) and line.text != "医保"


def test_unknown_commands_are_reported() -> None:
    assert decode(b"\x1b\x7f") == [Unknown(b"\x1b\x7f")]


@given(st.lists(st.integers(0, len(SAMPLE)), max_size=8))
def test_split_anywhere_gives_the_same_result(cuts: list[int]) -> None:
    decoder = EscPosDecoder()
    elements = []
    previous = 0
    for cut in [*sorted(cuts), len(SAMPLE)]:
        elements += decoder.feed(SAMPLE[previous:cut])
        previous = cut
    assert [comparable(e) for e in elements] == [comparable(e) for e in decode(SAMPLE)]


def comparable(element: object) -> object:
    if isinstance(element, Raster):
        return ("raster", element.image.size, element.image.tobytes())
    return element
