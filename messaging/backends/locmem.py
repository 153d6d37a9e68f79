"""Tests: texts kept in ``messaging.outbox``, as Django's locmem mail backend keeps
emails in ``django.core.mail.outbox``."""

import uuid
from typing import override

import messaging
from messaging.backends.base import BaseTextBackend, Text


class TextBackend(BaseTextBackend):
    @override
    def send(self, text: Text) -> str:
        messaging.outbox.append(text)
        return f"locmem-{uuid.uuid4().hex}"
