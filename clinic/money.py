"""Money as the clinic shows it: one helper for pages, emails, reports and CSV, in the
clinic's currency (CLINIC_CURRENCY) and locale (CLINIC_LOCALE), through Babel's CLDR data
("£1,234.50" in en_GB, "1.234,50 €" in de_DE). Decision 0090."""

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings


def format_money(amount: Decimal | int, currency: str | None = None) -> str:
    """`amount` in `currency` (the clinic's unless a document says otherwise)."""
    return format_currency(
        Decimal(amount), currency or settings.CLINIC_CURRENCY, locale=settings.CLINIC_LOCALE
    )
