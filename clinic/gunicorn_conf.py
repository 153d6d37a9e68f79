"""gunicorn's configuration for bin/serve (``--config python:clinic.gunicorn_conf``), read
from the environment as bin/serve documents: WEB_WORKERS, BIND, FORWARDED_ALLOW_IPS.

The access log names the path without its query string (``%(U)s``, not the request line
``%(r)s``) and no referer, and RedactingLogger redacts what a path may still hold:
patients' link tokens and practitioners' calendar-feed tokens (clinic/logs.py).
"""

import datetime as dt
from typing import Any, override

from gunicorn.glogging import Logger

from clinic.env import env_int, env_str
from clinic.logs import REDACTED, redact

bind = env_str("BIND", "127.0.0.1:8000")
workers = env_int("WEB_WORKERS", 2, minimum=1)
timeout = 30
graceful_timeout = 20
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
control_socket_disable = True
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Apache's combined format, less the referer (the previous page's address, tokens and
# all), with the path in place of the request line (its query string may hold a key).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(M)sms'


# Header atoms (%({authorization}i)s and the like) that are secrets through and through.
SECRET_ATOMS = {"{authorization}i", "{cookie}i", "{http_authorization}e", "{http_cookie}e"}
QUERY_ATOMS = {"q", "{query_string}e"}


class RedactingLogger(Logger):
    """gunicorn's logger with every atom redacted, whatever format is set: tokens in
    paths and referers, secret query parameters, and credentials in headers."""

    @override
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: dt.timedelta) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if name in SECRET_ATOMS:
                atoms[name] = REDACTED
            elif name in QUERY_ATOMS and isinstance(value, str):
                atoms[name] = redact("?" + value)[1:]
            elif isinstance(value, str):
                atoms[name] = redact(value)
        return atoms


logger_class = RedactingLogger
