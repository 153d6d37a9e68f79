"""Text backends (console, locmem, twilio), chosen by settings.TEXTERS as MAILERS chooses
the mail backend."""

from django.conf import settings
from django.utils.module_loading import import_string

from messaging.backends.base import BaseTextBackend


def get_backend() -> BaseTextBackend | None:
    """The configured backend, or None when texts are off (TEXTER=off)."""
    config = settings.TEXTERS.get("default")
    if not config:
        return None
    backend_class = import_string(str(config["BACKEND"]))
    options = config.get("OPTIONS") or {}
    assert isinstance(options, dict)
    return backend_class(**options)
