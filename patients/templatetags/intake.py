from django import template

from patients.models import IntakeStatus

register = template.Library()


@register.inclusion_tag("patients/_intake_badge.html")
def intake_badge(status: str) -> dict:
    """{% intake_badge status %}: the one way every page shows an intake status."""
    status = status or IntakeStatus.MISSING
    return {"status": status, "label": IntakeStatus(status).label}
