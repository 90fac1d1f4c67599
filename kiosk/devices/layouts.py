"""Print layouts: the medical record booklet (医保就医记录册) and the guide slip (办事指南).

A roll printer has no pages, so a booklet print is laid out as booklet pages: one piece of paper
per page, headed with the page number and the line it starts at, one printed line per booklet
line at the booklet's line pitch, cut at each page end, ready to be pasted in. Widths count a
Chinese character as two columns, as the printer does.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.devices.base import LayoutError, LinePosition, LineStyle, PrintJob, PrintLine, PrintPage

COLUMNS = 48  # font A on 80 mm paper
DEFAULT_PAGE_LINES = 20
BOOKLET_TITLE = "医保就医记录册"
LINE_NUMBER_COLUMNS = 3  # "12 " before each booklet line


def text_columns(text: str) -> int:
    """Printed width in columns: in Chinese mode every non-ASCII character is a 24-dot glyph,
    two columns of the 12-dot font (punctuation such as “ ” included)."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def booklet_body_columns(columns: int = COLUMNS) -> int:
    """How wide a booklet line's text may be."""
    return columns - LINE_NUMBER_COLUMNS


def next_position(position: LinePosition, page_lines: int = DEFAULT_PAGE_LINES) -> LinePosition:
    if position.line >= page_lines:
        return LinePosition(position.page + 1, 1)
    return LinePosition(position.page, position.line + 1)


def booklet_job(
    start: LinePosition,
    lines: Sequence[str],
    holder: str,
    page_lines: int = DEFAULT_PAGE_LINES,
    columns: int = COLUMNS,
    column_heads: str = "",
) -> PrintJob:
    """The lines to print, the first going on ``start``. ``holder`` heads every page and must
    already be masked (``mask_name``, ``mask_id_number``): the kiosk never holds more.
    ``column_heads``, when given, names the columns under the header."""
    if page_lines < 1:
        raise LayoutError("a booklet page has at least one line")
    if start.page < 1 or not 1 <= start.line <= page_lines:
        raise LayoutError(f"page {start.page} line {start.line} is not on a {page_lines}-line page")
    width = booklet_body_columns(columns)
    for index, text in enumerate(lines):
        if "\n" in text or not (text == "" or text.isprintable()):
            raise LayoutError(f"line {index + 1} holds control characters")
        if text_columns(text) > width:
            raise LayoutError(
                f"line {index + 1} is {text_columns(text)} columns wide; a booklet line holds "
                f"{width}"
            )
    pages: list[PrintPage] = []
    position = start
    remaining = list(lines)
    while remaining:
        count = min(len(remaining), page_lines - position.line + 1)
        header = (
            PrintLine(BOOKLET_TITLE, LineStyle.TITLE),
            PrintLine(f"第{position.page}页  自第{position.line}行起", LineStyle.BOLD),
            PrintLine(holder),
            PrintLine("-" * columns),
            *((PrintLine(column_heads),) if column_heads else ()),
        )
        body = []
        for offset in range(count):
            at = LinePosition(position.page, position.line + offset)
            body.append(PrintLine(f"{at.line:>2} {remaining[offset]}", position=at))
        pages.append(PrintPage(header + tuple(body)))
        remaining = remaining[count:]
        position = LinePosition(position.page + 1, 1)
    return PrintJob("booklet", tuple(pages))


def wrap(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` printed columns."""
    out: list[str] = []
    current = ""
    for ch in text:
        if text_columns(current + ch) > columns:
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return out


GUIDE_FOOTER = "智理自助终端 · 办事指南仅供参考，以窗口受理为准"


def guide_slip_job(
    title: str,
    sections: Sequence[tuple[str, Sequence[str]]],
    columns: int = COLUMNS,
    footer: str = GUIDE_FOOTER,
) -> PrintJob:
    """A slip: the title, then each section (a guide's steps, materials, place and hours; a
    query's answer) with its heading; long text wraps; the footer says what it is worth. One
    piece of paper."""
    lines: list[PrintLine] = []
    for part in wrap(title, columns // 2):
        lines.append(PrintLine(part, LineStyle.TITLE))
    for heading, items in sections:
        lines.append(PrintLine("-" * columns))
        lines.append(PrintLine(heading, LineStyle.BOLD))
        for item in items:
            lines.extend(PrintLine(part) for part in wrap(item, columns))
    lines.append(PrintLine("-" * columns))
    lines.extend(PrintLine(part) for part in wrap(footer, columns))
    return PrintJob("guide_slip", (PrintPage(tuple(lines)),))
