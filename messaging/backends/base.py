"""The interface every text backend offers, shaped like Django's mail backends: built from
settings.TEXTERS["default"], one ``send`` per text, the provider's id back."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Text:
    """What a backend sends: the number (E.164), the words, and our own id for it."""

    to: str
    body: str
    segments: int = 1
    reference: int | None = None  # the TextMessage's id


class TextRefused(Exception):
    """The provider would not take the text (a bad number, a landline, a blocked
    recipient): sending it again will not help. ``code`` is the provider's error code."""

    def __init__(self, reason: str, *, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ProviderUnreachable(Exception):
    """No answer from the provider (network, timeout, its 5xx): whether it took the text
    is unknown."""


class BaseTextBackend(ABC):
    """Subclasses implement ``send``. ``max_length`` is the longest body the provider
    takes (Twilio: 1,600 characters)."""

    max_length = 1600

    def __init__(self, **options: Any) -> None:
        self.options = options

    @abstractmethod
    def send(self, text: Text) -> str:
        """Send one text; the provider's id for it. Raises TextRefused or
        ProviderUnreachable."""
