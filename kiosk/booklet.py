"""One person's medical record booklet print as plain Python: the lines the back office says are
waiting, how each is printed, the pages to preview, how far the printer got, and what to confirm.

The back office lays the waiting records onto booklet pages and lines (``GET
/api/v1/medical/records``). The kiosk prints them from the first waiting line, page by page, and
confirms the last line printed for sure after every page (``POST /api/v1/medical/prints`` with the
answer's print ticket, through the outbox). When the printer stops (paper out, cover open), the
lines printed for sure count and the print resumes at the line after them: nothing reprinted,
nothing skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.devices.base import LinePosition, PrintJob, PrintPage, PrintProgress
from kiosk.devices.layouts import (
    LINE_NUMBER_COLUMNS,
    booklet_body_columns,
    booklet_job,
    text_columns,
)

MATTER_CODE = "MI-BOOKLET-PRINT"  # the catalog's matter, which the visit's rating names
AMOUNT_COLUMNS = 7  # "1234.56"
KIND_COLUMNS = 4  # 门诊 急诊 住院 药店
DATE_FORMAT = "%y-%m-%d"
# Dropped, one after another, from an institution's name until it fits its column.
NAME_PREFIXES = (
    "上海交通大学医学院附属",
    "复旦大学附属",
    "上海市",
    "长宁区",
    "江苏路街道",
    "国药控股",
)
NAME_SHORTENINGS = (("社区卫生服务中心", "社区卫生中心"),)
BRACKETS = re.compile(r"[（(][^）)]*[）)]")


class BookletAnswerError(ValueError):
    """The back office's answer is not what the kiosk can print from."""


@dataclass(frozen=True)
class BookletLine:
    """A waiting record: where it goes in the booklet and the text printed there."""

    seq: int
    position: LinePosition
    text: str
    # What the preview shows in its columns: date, kind, institution, total, self-paid.
    cells: tuple[str, str, str, str, str] = ("", "", "", "", "")


def institution_column(name: str, columns: int) -> str:
    """The institution's name in at most ``columns``: known prefixes and bracketed branch names
    dropped first, then cut with an ellipsis."""
    candidate = name
    for old, new in NAME_SHORTENINGS:
        if text_columns(candidate) <= columns:
            break
        candidate = candidate.replace(old, new)
    for prefix in NAME_PREFIXES:
        if text_columns(candidate) <= columns:
            break
        if candidate.startswith(prefix) and len(candidate) > len(prefix):
            candidate = candidate[len(prefix) :]
    if text_columns(candidate) > columns:
        candidate = BRACKETS.sub("", candidate) or candidate
    while text_columns(candidate) > columns:
        candidate = candidate[:-2] + "…" if len(candidate) > 1 else ""
    return candidate


def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - text_columns(text))


def _right(text: str, columns: int) -> str:
    return " " * max(0, columns - text_columns(text)) + text


def column_heads(columns: int) -> str:
    """The line naming the columns of ``record_text``, aligned over them (line numbers first)."""
    room = columns - 8 - 1 - KIND_COLUMNS - 1 - 2 * (AMOUNT_COLUMNS + 1)
    return (
        " " * LINE_NUMBER_COLUMNS
        + _pad("日期", 9)
        + _pad("类别", KIND_COLUMNS + 1)
        + _pad("医疗机构", room)
        + " "
        + _right("合计", AMOUNT_COLUMNS)
        + " "
        + _right("自付", AMOUNT_COLUMNS)
    )


def record_text(record: dict[str, Any], columns: int) -> str:
    """One booklet line: date, kind, institution, total and self-paid amounts, in ``columns``."""
    visit_date = date.fromisoformat(str(record["visit_date"]))
    head = f"{visit_date.strftime(DATE_FORMAT)} {_pad(str(record['kind']), KIND_COLUMNS)} "
    total, own = str(record["total_yuan"]), str(record["self_yuan"])
    tail = f" {total:>{AMOUNT_COLUMNS}} {own:>{AMOUNT_COLUMNS}}"
    room = columns - text_columns(head) - text_columns(tail)
    return head + _pad(institution_column(str(record["institution"]), room), room) + tail


class BookletPrint:
    """The print of one visit. ``progress`` moves forward only; ``remaining`` is what is left."""

    def __init__(
        self,
        holder: str,
        lines: Sequence[BookletLine],
        lines_per_page: int,
        ticket: str,
        booklet_full: bool,
        booklet_number: int | None = None,
    ) -> None:
        self.holder = holder
        # Which of the person's booklets the lines go into (None: a back office that does not
        # say); the confirmation names it, so one for a booklet replaced since is refused.
        self.booklet_number = booklet_number
        self.lines = tuple(lines)
        self.lines_per_page = lines_per_page
        self.ticket = ticket
        self.booklet_full = booklet_full
        # The last line printed for sure; None before the first.
        self.printed_through: LinePosition | None = None

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> BookletPrint:
        """From ``GET /api/v1/medical/records``; raises BookletAnswerError on a malformed one."""
        try:
            per_page = int(body["lines_per_page"])
            width = booklet_body_columns()
            lines = [
                BookletLine(
                    seq=int(x["seq"]),
                    position=LinePosition(int(x["page"]), int(x["line"])),
                    text=record_text(x, width),
                    cells=(
                        date.fromisoformat(str(x["visit_date"])).isoformat(),
                        str(x["kind"]),
                        str(x["institution"]),
                        str(x["total_yuan"]),
                        str(x["self_yuan"]),
                    ),
                )
                for x in body["lines"]
            ]
            holder = str(body["masked_name"])
            if body.get("masked_id"):
                holder += "  " + str(body["masked_id"])
            number = body.get("booklet_number")
            return cls(
                holder,
                lines,
                per_page,
                str(body["print_ticket"]),
                bool(body["booklet_full"]),
                int(number) if number is not None else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BookletAnswerError(f"unexpected records answer: {type(exc).__name__}") from exc

    # --- what is left --------------------------------------------------------------------------

    @property
    def remaining(self) -> tuple[BookletLine, ...]:
        done = self.printed_through
        return tuple(x for x in self.lines if done is None or x.position > done)

    @property
    def finished(self) -> bool:
        return not self.remaining

    def job(self) -> PrintJob | None:
        """The pages still to print, the first starting at the first line not printed."""
        left = self.remaining
        if not left:
            return None
        return booklet_job(
            left[0].position,
            [x.text for x in left],
            self.holder,
            page_lines=self.lines_per_page,
            column_heads=column_heads(booklet_body_columns()),
        )

    def pages(self) -> tuple[PrintPage, ...]:
        job = self.job()
        return job.pages if job else ()

    def views(self, rows: int) -> list[tuple[int, int, int, tuple[BookletLine, ...]]]:
        """The preview: each booklet page still to print in parts of at most ``rows`` lines, as
        (page, part, parts, lines)."""
        by_page: dict[int, list[BookletLine]] = {}
        for x in self.remaining:
            by_page.setdefault(x.position.page, []).append(x)
        out = []
        for page, lines in by_page.items():
            parts = [tuple(lines[i : i + rows]) for i in range(0, len(lines), rows)]
            out += [(page, n, len(parts), part) for n, part in enumerate(parts, 1)]
        return out

    # --- how far the printer got -----------------------------------------------------------------

    def advance(self, progress: PrintProgress) -> bool:
        """Count the lines ``progress`` says are printed for sure; True if that moved forward."""
        last = progress.last_printed
        if last is None or (self.printed_through is not None and last <= self.printed_through):
            return False
        if last not in {x.position for x in self.lines}:
            raise ValueError(f"page {last.page} line {last.line} was not waiting to print")
        self.printed_through = last
        return True

    def confirmation(self) -> dict[str, Any] | None:
        """The body of ``POST /api/v1/medical/prints`` for what is printed so far."""
        if self.printed_through is None:
            return None
        done = self.printed_through
        body: dict[str, Any] = {"ticket": self.ticket, "page": done.page, "line": done.line}
        if self.booklet_number is not None:
            body["booklet"] = self.booklet_number
        return body

    def confirmation_key(self) -> str:
        """The idempotency key of the current confirmation: the same position, the same key."""
        done = self.printed_through
        assert done is not None
        return f"print-{self.ticket}-{done.page}-{done.line}"

    @property
    def printed_count(self) -> int:
        return len(self.lines) - len(self.remaining)
