"""Patients' link tokens must never reach a log: Django's warnings about 4xx requests and
the server's access lines both carry the path, and the path carries the token.

Every record is redacted as it is made (a record factory), so no logger or handler can
miss it; RedactTokens does the same as a filter for handlers configured in LOGGING.
"""

import logging
import re
from typing import Any

# The URL segments that follow these prefixes are signed tokens (booking/urls.py,
# patients/urls.py), and any Django signed value (payload:timestamp:signature).
_LINK = re.compile(r"(/(?:appointment|intake|my/sign-in|waitlist/claim)/)[^/\s?#\"']+")
_SIGNED = re.compile(r"[\w-]{2,}:[\w-]{4,}:[\w-]{20,}")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _SIGNED.sub(REDACTED, _LINK.sub(r"\1" + REDACTED, text))


def redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler to report
        return
    cleaned = redact(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, None


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_every_record() -> None:
    """Install the redaction in the log record factory (once)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts_tokens", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redact_record(record)
        return record

    factory.redacts_tokens = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
