"""Secrets in URLs must never reach a log: patients' link tokens and practitioners'
calendar-feed tokens are in paths, and an API key sent by mistake as ``?api_key=`` is in
the query string. Django's warnings about 4xx requests and the servers' access lines
carry the path, and the development server's carry the query string too.

Every record is redacted as it is made (a record factory), so no logger or handler can
miss it; RedactTokens does the same as a filter for handlers configured in LOGGING, and
gunicorn's access log is redacted by its own logger class (clinic/gunicorn_conf.py).
"""

import logging
import re
from typing import Any

# The URL segments that follow these prefixes are signed tokens (booking/urls.py,
# patients/urls.py), and any Django signed value (payload:timestamp:signature).
_LINK = re.compile(r"(/(?:appointment|intake|my/sign-in|waitlist/claim)/)[^/\s?#\"']+")
_SIGNED = re.compile(r"[\w-]{2,}:[\w-]{4,}:[\w-]{20,}")
# A practitioner's calendar feed (booking/urls.py): the token is the only key.
_FEED = re.compile(r"(/calendar/)[^/\s?#\"']+?(\.ics\b)")
# Query parameters that hold a secret when a client puts one there (the API takes keys
# only in the Authorization header, but a client may still send them like this), plain
# or percent-encoded inside another URL (the sign-in page's ?next=).
_SECRET_PARAMETER = re.compile(
    r"((?:[?&;]|%3F|%26)(?:api[_-]?key|key|token|access[_-]?token|secret|password)(?:=|%3D))"
    r"(?:(?!%26)[^&;\s#\"'])*",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    text = _FEED.sub(r"\1" + REDACTED + r"\2", _LINK.sub(r"\1" + REDACTED, text))
    return _SIGNED.sub(REDACTED, _SECRET_PARAMETER.sub(r"\1" + REDACTED, text))


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
