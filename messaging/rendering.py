"""One function turns a kind of message and its placeholders' values into what is sent:
the manager's wording when they saved one (one query), else the default file.

    render_message("reminder", "email", context, action=Action(...), cards=[Card(...)])
    render_message("reminder", "text", context)  # text only: subject and html empty

``email_message`` wraps an email's Rendered into Django's EmailMultiAlternatives.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any, override

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils import timezone

from messaging import catalogue, templating
from messaging.email_layout import Action, Card, Rendered, html_part, text_part
from messaging.models import EmailRecord, EmailState, MessageTemplate
from patients.models import Patient

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


class PatientEmail(EmailMultiAlternatives):
    """An email to a patient that, once the backend has sent it (or failed to), is written
    down in the patient's messages (EmailRecord), for the desk and the record export."""

    def __init__(self, *args: Any, patient: Patient | None, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient, self.kind = patient, kind

    @override
    def send(self, fail_silently: bool = False, *, using: str | None = None) -> int:
        try:
            sent = super().send(fail_silently=fail_silently, using=using)
        except Exception as error:
            self._record(EmailState.FAILED, error=f"{type(error).__name__}: {error}")
            raise
        self._record(EmailState.SENT if sent else EmailState.FAILED)
        return sent

    def _record(self, state: str, *, error: str = "") -> None:
        if self.patient is None:
            return  # someone not (yet) a patient: nowhere to show it
        EmailRecord.objects.create(
            patient=self.patient,
            kind=self.kind,
            to=", ".join(self.to)[:254],
            subject=self.subject[:300],
            state=state,
            error=error[:200],
            at=timezone.now(),
        )


def email_message(
    kind: str,
    *,
    to: str,
    context: Mapping[str, str],
    patient: Patient | None,
    action: Action | None = None,
    cards: Sequence[Card] = (),
) -> PatientEmail:
    """The email of this kind to ``to``; ``patient`` is whose messages it joins when sent
    (None for someone not a patient, e.g. a booking that could not be made)."""
    rendered = render_message(kind, catalogue.EMAIL, context, action=action, cards=cards)
    message = PatientEmail(
        subject=f"{rendered.subject} · {settings.CLINIC_NAME}",
        body=rendered.text,
        to=[to],
        patient=patient,
        kind=kind,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
