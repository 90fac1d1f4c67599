"""Logging set-up. Never log an ID number, a name or a token: the access log keeps no values of
sensitive query parameters and no bodies, and every handler masks ID and mobile numbers in
whatever reaches it (`privacy.mask_personal_numbers`)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from backoffice.privacy import mask_personal_numbers

# Query parameters whose values the access log never keeps (lower-case, '-' read as '_').
SENSITIVE_QUERY_NAMES = frozenset(
    {
        "id_number",
        "idnumber",
        "id_card",
        "idcard",
        "sfz",
        "sfzh",
        "name",
        "phone",
        "mobile",
        "api_key",
        "apikey",
        "key",
        "token",
        "access_token",
        "password",
        "secret",
        "signature",
        "code",
        "payload",
    }
)
REDACTED = "[redacted]"
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def query_name(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def redact_path(path_with_query: str) -> str:
    """A request target as the access log keeps it: sensitive values replaced, personal numbers
    masked anywhere in the path or query."""
    path, _, query = path_with_query.partition("?")
    path = mask_personal_numbers(unquote(path))
    if not query:
        return quote(path, safe=_PATH_SAFE)
    pairs = [
        (name, REDACTED if query_name(name) in SENSITIVE_QUERY_NAMES else value)
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    safe_query = mask_personal_numbers(urlencode(pairs, safe="[]"))
    return f"{quote(path, safe=_PATH_SAFE)}?{safe_query}"


class RedactAccessLog(logging.Filter):
    """For uvicorn's access logger, whose arguments are (client, method, target, version,
    status): the target goes through `redact_path`."""

    def filter(self, record: logging.LogRecord) -> bool:
        args: Any = record.args
        if isinstance(args, tuple) and len(args) == 5:
            record.args = (args[0], args[1], redact_path(str(args[2])), args[3], args[4])
        return True


class MaskPersonalNumbers(logging.Filter):
    """On every handler: the message, and an exception's traceback, with ID and mobile numbers
    masked (a validation error may quote the value it refused)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_personal_numbers(
                logging.Formatter().formatException(record.exc_info)
            )
        elif record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        return True


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskPersonalNumbers) for f in handler.filters):
            handler.addFilter(MaskPersonalNumbers())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with the access log redacted and personal numbers masked
    on both of its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "filters": {
            "redact_access": {"()": RedactAccessLog},
            "mask_personal_numbers": {"()": MaskPersonalNumbers},
        },
        "handlers": {name: dict(h) for name, h in LOGGING_CONFIG["handlers"].items()},
    }
    config["handlers"]["default"]["filters"] = ["mask_personal_numbers"]
    # The access formatter reads the record's five arguments, so that handler gets the
    # redaction (which masks the only free text in the line, the target) and nothing else.
    config["handlers"]["access"]["filters"] = ["redact_access"]
    return config
