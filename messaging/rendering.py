"""One function turns a kind of message and its placeholders' values into what is sent:
the manager's wording when they saved one (one query), else the default file.

    render_message("reminder", "email", context, action=Action(...), cards=[Card(...)])
    render_message("reminder", "text", context)  # text only: subject and html empty

``email_message`` wraps an email's Rendered into Django's EmailMultiAlternatives.
"""

import re
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template

from messaging import catalogue, templating
from messaging.email_layout import Action, Card, Rendered, html_part, text_part
from messaging.models import MessageTemplate

__all__ = ["Action", "Card", "Rendered", "email_message", "render_message", "wording"]


# A default file may wrap itself in {% autoescape off %} (the texts do, for Django's own
# renderer); the wording engine never escapes, so the wrapper is left out of the wording.
_UNESCAPED = re.compile(r"^\s*\{%\s*autoescape off\s*%\}(.*)\{%\s*endautoescape\s*%\}\s*$", re.S)


def default_wording(kind: catalogue.Kind, channel: str) -> tuple[str, str]:
    """(subject, body) of the default: the file's source, read once per process by the
    template loader's cache in production."""
    template = get_template(kind.default_path(channel))
    source = template.template.source  # type: ignore[attr-defined]
    if unwrapped := _UNESCAPED.match(source):
        source = unwrapped.group(1)
    return (kind.subject if channel == catalogue.EMAIL else ""), source


def wording(kind: catalogue.Kind, channel: str) -> tuple[str, str, bool]:
    """(subject, body, edited): the manager's version if saved, else the default."""
    saved = (
        MessageTemplate.objects.filter(kind=kind.name, channel=channel)
        .values_list("subject", "body")
        .first()
    )
    if saved is not None:
        return saved[0], saved[1], True
    return (*default_wording(kind, channel), False)


def base_context() -> dict[str, str]:
    return {"clinic_name": settings.CLINIC_NAME, "clinic_phone": settings.CLINIC_PHONE}


def render_wording(
    kind: catalogue.Kind,
    channel: str,
    *,
    subject: str,
    body: str,
    context: Mapping[str, str],
    action: Action | None = None,
    cards: Sequence[Card] = (),
) -> Rendered:
    values = {name: "" for name in kind.placeholders} | base_context() | dict(context)
    text = templating.render(body, values)
    if channel == catalogue.TEXT:
        return Rendered(subject="", text=text.strip(), html="")
    title = " ".join(templating.render(subject, values).split())
    return Rendered(
        subject=title,
        text=text_part(text, action=action, cards=cards),
        html=html_part(title, text, action=action, cards=cards),
    )


def render_message(
    kind: str,
    channel: str,
    context: Mapping[str, str],
    *,
    action: Action | None = None,
    cards: Sequence[Card] = (),
) -> Rendered:
    """The message as sent. ``context`` holds the kind's placeholders (flat strings;
    clinic_name and clinic_phone are filled in); ``action`` and ``cards`` are the email's
    button and appointment cards, which the manager's wording does not change."""
    found = catalogue.get(kind, channel)
    subject, body, _edited = wording(found, channel)
    return render_wording(
        found, channel, subject=subject, body=body, context=context, action=action, cards=cards
    )


def email_message(
    kind: str,
    *,
    to: str,
    context: Mapping[str, str],
    action: Action | None = None,
    cards: Sequence[Card] = (),
) -> EmailMultiAlternatives:
    rendered = render_message(kind, catalogue.EMAIL, context, action=action, cards=cards)
    message = EmailMultiAlternatives(
        subject=f"{rendered.subject} · {settings.CLINIC_NAME}", body=rendered.text, to=[to]
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
