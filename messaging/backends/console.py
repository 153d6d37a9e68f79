"""Development: each text printed whole and readable on the console, links unbroken."""

import sys
import threading
import uuid
from typing import override

from messaging.backends.base import BaseTextBackend, Text

_lock = threading.Lock()


class TextBackend(BaseTextBackend):
    @override
    def send(self, text: Text) -> str:
        provider_id = f"console-{uuid.uuid4().hex}"
        parts = "part" if text.segments == 1 else "parts"
        rule = "-" * 72
        out = (
            f"{rule}\nText to {text.to} ({text.segments} {parts}, {len(text.body)} characters)\n"
            f"{rule}\n{text.body}\n{rule}\n"
        )
        with _lock:
            sys.stdout.write(out)
            sys.stdout.flush()
        return provider_id
