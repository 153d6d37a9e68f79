"""How many parts a text is sent in (3GPP TS 23.038), pure: no Django.

A text in the GSM-7 alphabet fits 160 characters in one part, 153 per part once split
(the rest of each part carries the header that joins them); the extension characters
(€, [, ], {, }, |, ^, ~, \\ and the form feed) take two places each, an escape and the
character. Any other character (an emoji, most accents, curly quotes) sends the whole text
as UCS-2: 70 in one part, 67 per part, counted in UTF-16 code units, as phones count them.
No maintained library on PyPI does this small sum without pulling in more, so it is here,
tested against the standard's tables.
"""

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    parts: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def count(text: str) -> Segments:
    """The encoding a phone network sends ``text`` in, and how many parts it takes. An
    empty text is still one part."""
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    parts = 1 if units <= single else math.ceil(units / part)
    return Segments(encoding=encoding, units=units, parts=parts)
