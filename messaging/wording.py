"""The manager's wording of the clinic's messages: save one (checked first) or go back to
the default (decision 0110). Reads for the pages are here too, in fixed queries."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from messaging import catalogue, templating
from messaging.models import MessageTemplate
from messaging.rendering import default_wording


@dataclass(frozen=True)
class Entry:
    kind: catalogue.Kind
    channel: str
    saved: MessageTemplate | None

    @property
    def edited(self) -> bool:
        return self.saved is not None


def entries(channel: str) -> list[Entry]:
    """Every kind on the channel, with the manager's version if any: one query."""
    saved = {t.kind: t for t in MessageTemplate.objects.filter(channel=channel)}
    return [Entry(kind, channel, saved.get(kind.name)) for kind in catalogue.by_channel(channel)]


def current(kind: catalogue.Kind, channel: str) -> tuple[str, str, MessageTemplate | None]:
    """(subject, body, saved row or None): what the edit form starts from."""
    saved = MessageTemplate.objects.filter(kind=kind.name, channel=channel).first()
    if saved is not None:
        return saved.subject, saved.body, saved
    subject, body = default_wording(kind, channel)
    return subject, body, None


def check_wording(kind: catalogue.Kind, channel: str, *, subject: str, body: str) -> None:
    """TemplateRefused naming the first problem, subject first."""
    if channel == catalogue.EMAIL:
        if "\n" in subject.strip():
            raise templating.TemplateRefused("The subject is one line.")
        try:
            templating.check(subject, kind.placeholders)
        except templating.TemplateRefused as error:
            raise templating.TemplateRefused(f"Subject: {error.message}") from error
    if not body.strip():
        raise templating.TemplateRefused("The message cannot be empty.")
    templating.check(body, kind.placeholders)


def message_template_save(
    *, kind: catalogue.Kind, channel: str, subject: str, body: str, by: AbstractBaseUser
) -> MessageTemplate:
    """Save the manager's wording, replacing any before. Refused (TemplateRefused) with
    nothing saved unless every placeholder is the kind's own."""
    subject = subject.strip() if channel == catalogue.EMAIL else ""
    body = body.replace("\r\n", "\n").strip() + "\n"
    check_wording(kind, channel, subject=subject, body=body)
    fields = {"subject": subject, "body": body, "updated_by": by}
    MessageTemplate(kind=kind.name, channel=channel, **fields).full_clean(
        validate_unique=False, validate_constraints=False
    )
    # update_or_create retries a concurrent first save as an update (the unique pair).
    template, _ = MessageTemplate.objects.update_or_create(
        kind=kind.name, channel=channel, defaults=fields
    )
    return template


def message_template_reset(*, kind: catalogue.Kind, channel: str) -> bool:
    """Back to the default file: the manager's version is deleted. True if there was one."""
    deleted, _ = MessageTemplate.objects.filter(kind=kind.name, channel=channel).delete()
    return bool(deleted)
