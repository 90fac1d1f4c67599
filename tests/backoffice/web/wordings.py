"""Every message the back office's code words for a person that can reach an ops page, found in
the source: the messages of domain errors and page refusals it raises, the flashes the pages
show, and the fleet alerts it opens. Each comes as its wording with a sample value ("7") where
the code fills something in, so a test can ask the pages' catalog for its Chinese."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BACKOFFICE = Path(__file__).resolve().parents[3] / "backoffice"
SAMPLE = "7"

# Errors whose messages a page shows (errors.DomainError and its kin, the pages' refusals).
RAISED = frozenset(
    {
        "DomainError",
        "BadInput",
        "NotAuthenticated",
        "Forbidden",
        "NotFound",
        "Conflict",
        "Gone",
        "TooLarge",
        "TooManyRequests",
        "Unavailable",
        "StorageFull",
        "PageForbidden",
        "PageMissing",
        # The errors whose messages the services pass on as their own (BadInput(str(exc))).
        "BadImage",
        "BadUrl",
        "BadFrame",
        "GeometryError",
        "ZoneGeometryError",
    }
)
# Packages that answer only kiosks and apps, never an ops page: the kiosk words its own screens
# (kiosk/i18n.py) and Open311 answers GeoReport error lists to apps.
NOT_ON_PAGES = ("open311/", "suishen/", "medical/", "visits/", "catalog/", "cases/kiosk_reports.py")


@dataclass(frozen=True)
class Wording:
    where: str  # path:line
    sample: str | None  # None: the message is not written in the code (passed on from elsewhere)
    source: str


def _sample(node: ast.expr) -> str | None:
    """The text with each filled-in part as SAMPLE; None when it is not a string the code
    writes (a variable, a call's result)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append(SAMPLE)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left), _sample(node.right)
        return None if left is None or right is None else left + right
    return None


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# Modules whose ValueErrors are messages too: the request models' validators (pydantic says
# them as "Value error, ..." in what a form refuses, web.forms.problems).
VALUE_ERRORS_SHOWN = ("schemas.py", "inputs.py")


def _messages(tree: ast.Module, values_shown: bool = False) -> Iterator[tuple[ast.expr, int]]:
    # A message worded into a variable first (message = f"..."; Alert(message=message)).
    assigned = {
        target.id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            raised = _name(call.func)
            if (raised in RAISED or (values_shown and raised == "ValueError")) and call.args:
                yield call.args[0], node.lineno
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            if name == "flash" and len(node.args) >= 2:
                yield node.args[1], node.lineno
            elif name == "attempt" and len(node.args) >= 4:
                yield node.args[3], node.lineno
            elif name == "_record" and len(node.args) >= 8:  # a case timeline line's reason
                yield node.args[7], node.lineno
            elif name == "ActionInput":  # a reason the system writes on a case
                for keyword in node.keywords:
                    if keyword.arg == "reason" and not isinstance(keyword.value, ast.Name):
                        yield keyword.value, node.lineno
            elif name in ("FleetAlert", "DeliveryAlert"):
                for keyword in node.keywords:
                    if keyword.arg == "message":
                        message = keyword.value
                        if isinstance(message, ast.Name) and message.id in assigned:
                            message = assigned[message.id]
                        # "...".[:300] cuts a long one short: the wording is what is cut.
                        if isinstance(message, ast.Subscript):
                            message = message.value
                        yield message, node.lineno


@functools.cache
def wordings(root: Path = BACKOFFICE) -> tuple[Wording, ...]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(NOT_ON_PAGES) or "/migrations/" in f"/{relative}":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, line in _messages(tree, relative.endswith(VALUE_ERRORS_SHOWN)):
            found.append(Wording(f"{relative}:{line}", _sample(node), ast.unparse(node)))
    return tuple(found)
