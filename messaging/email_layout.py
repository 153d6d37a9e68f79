"""The one layout of every patient email (decision 0110): a message is a subject, body
paragraphs, an optional action (a button whose address is also printed in full) and
optional appointment cards; this module makes both parts from it.

The plain-text part is wrapped at 72 characters, and every link stands whole on a line of
its own (never split by wrapping, whatever the transfer encoding does to the raw source:
clients decode it). The HTML part is ``templates/emails/_layout.html``: tables 600 px at
most, inline styles only (no stylesheet reaches an email), the clinic's colours and a
system font stack, a preheader, a heading, and dark text on light at AA contrast.
"""

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 72
# A link runs to the first space; a full stop, comma or bracket right after it is prose.
LINK = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")

# The clinic's colours (assets/scss/_theme.scss), each at AA contrast where it is used.
TEAL = "#0b5f63"  # 7.6:1 on white: the button, links, the header rule
GOLD = "#f2c14e"  # decoration only, never text
INK = "#1d2b2f"  # body text, 14:1 on white
MUTED = "#3d4b4f"  # the footer, 9.5:1 on the footer's #f1f4f4
FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
HEADING_FONT = "Georgia, 'Times New Roman', serif"


@dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclass(frozen=True)
class Card:
    """An appointment as the email shows it: no reason for the visit, nothing clinical."""

    service: str
    practitioner: str
    when: str
    place: str
    address: str = ""
    reference: str = ""
    heading: str = ""
    action: Action | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def paragraphs(body: str) -> list[list[str]]:
    """Paragraphs (split at blank lines) of lines (single line breaks kept), empty ones
    dropped: a placeholder with nothing to say leaves no gap."""
    found = []
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip()):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if lines:
            found.append(lines)
    return found


def _wrap_line(line: str) -> list[str]:
    """One line of prose wrapped, each link taken out onto a line of its own."""
    out: list[str] = []
    start = 0
    for match in LINK.finditer(line):
        before = line[start : match.start()].strip()
        if before:
            out.extend(textwrap.wrap(before, WIDTH, break_long_words=False, break_on_hyphens=False))
        out.append(match.group(0))
        start = match.end()
    rest = line[start:].strip()
    if rest:
        out.extend(textwrap.wrap(rest, WIDTH, break_long_words=False, break_on_hyphens=False))
    return out


def _card_lines(card: Card) -> list[str]:
    lines = [card.heading] if card.heading else []
    who = f"{card.service} with {card.practitioner}" if card.practitioner else card.service
    lines += [who, card.when, ", ".join(part for part in (card.place, card.address) if part)]
    if card.reference:
        lines.append(f"Reference: {card.reference}")
    if card.action:
        lines += [f"{card.action.label}:", card.action.url]
    return lines


def text_part(body: str, *, action: Action | None = None, cards: Sequence[Card] = ()) -> str:
    blocks = [
        [wrapped for line in para for wrapped in _wrap_line(line)] for para in paragraphs(body)
    ]
    blocks += [_card_lines(card) for card in cards]
    if action:
        blocks.append([f"{action.label}:", action.url])
    footer = [settings.CLINIC_NAME, settings.CLINIC_PHONE, settings.SITE_URL + "/"]
    blocks.append(["-- ", *footer])
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def _linked(line: str) -> SafeString:
    """A line of the body as HTML: escaped, its links made links (whole, wrapping
    anywhere so a long one never widens a phone's screen)."""
    parts: list[str] = []
    start = 0
    for match in LINK.finditer(line):
        url = match.group(0)
        parts.append(escape(line[start : match.start()]))
        parts.append(
            f'<a href="{escape(url)}" style="color:{TEAL};text-decoration:underline;'
            f'word-break:break-all;overflow-wrap:anywhere">{escape(url)}</a>'
        )
        start = match.end()
    parts.append(escape(line[start:]))
    return mark_safe("".join(parts))


def preheader(body: str) -> str:
    """The line inbox lists show after the subject: the body's start, the greeting and
    links left out."""
    found = paragraphs(body)
    if found and len(found) > 1 and found[0][-1].endswith(",") and len(found[0][-1]) <= 40:
        found = found[1:]
    joined = LINK.sub("", " ".join(line for para in found for line in para))
    words = " ".join(joined.split())
    return words if len(words) <= 110 else words[:109].rsplit(" ", 1)[0] + "…"


def html_part(
    subject: str, body: str, *, action: Action | None = None, cards: Sequence[Card] = ()
) -> str:
    context = {
        "subject": subject,
        "preheader": preheader(body),
        "paragraphs": [[_linked(line) for line in para] for para in paragraphs(body)],
        "action": action,
        "cards": cards,
        "logo_url": settings.SITE_URL + static("brand/mark-email.png"),
        "site_url": settings.SITE_URL + "/",
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "teal": TEAL,
        "gold": GOLD,
        "ink": INK,
        "muted": MUTED,
        # Constants of this module, quoted for a style attribute as they are.
        "font": mark_safe(FONT),
        "heading_font": mark_safe(HEADING_FONT),
    }
    return render_to_string("emails/_layout.html", context)


def render(
    subject: str, body: str, *, action: Action | None = None, cards: Sequence[Card] = ()
) -> Rendered:
    return Rendered(
        subject=subject,
        text=text_part(body, action=action, cards=cards),
        html=html_part(subject, body, action=action, cards=cards),
    )
