"""A logging filter that masks credentials in any record, whoever logs it.

Our own code never logs a secret; libraries may at DEBUG: the WebSocket layer under
uvicorn logs the link's upgrade request headers, ``Authorization: Bearer <room secret>``
included, when the hub runs with ``-v``. ``appliance hub serve`` puts this filter on
every root handler, so such a line reads ``authorization: ***``.
"""

from __future__ import annotations

import logging
import re
from typing import Final

_PATTERNS: Final = (
    # header lines as HTTP/WebSocket libraries print them
    (re.compile(r"(?im)^([<>]?\s*(?:proxy-)?authorization:\s*).*$"), r"\1***"),
    (re.compile(r"(?im)^([<>]?\s*(?:set-)?cookie:\s*).*$"), r"\1***"),
    (re.compile(r"(?im)^([<>]?\s*x-csrf-token:\s*).*$"), r"\1***"),
    # the same inside one line (reprs of header lists, URLs, exception texts)
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"(?i)((?:hub_session|hub_csrf)=)[^;,\s'\"]+"), r"\1***"),
    (
        re.compile(
            r"(?i)(['\"](?:authorization|cookie|set-cookie|x-csrf-token)['\"],\s*b?['\"])[^'\"]*"
        ),
        r"\1***",
    ),
)


def redact(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format is the logging module's to report
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactCredentials) for f in handler.filters):
            handler.addFilter(RedactCredentials())
