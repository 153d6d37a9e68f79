from decimal import Decimal

from django import template
from django.conf import settings

register = template.Library()

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$"}


@register.filter
def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    symbol = _SYMBOLS.get(settings.CLINIC_CURRENCY)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {settings.CLINIC_CURRENCY}"


@register.filter
def minutes(value: int) -> str:
    hours, mins = divmod(int(value), 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


@register.filter
def make_list_csv(value: str) -> list[str]:
    return value.split(",")
