import datetime as dt
from decimal import Decimal

import phonenumbers
from django import template
from django.conf import settings
from django.utils import dateformat, timezone
from phonenumbers import PhoneNumberFormat

from clinic.money import format_money
from patients.models import IntakeStatus

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """``{{ invoice.total|money:invoice.currency }}``: clinic.money's format (the clinic's
    currency unless given)."""
    if amount is None:
        return ""
    return format_money(amount, currency or None)


@register.filter
def minutes(value: int) -> str:
    hours, mins = divmod(int(value), 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


@register.filter
def make_list_csv(value: str) -> list[str]:
    return value.split(",")


# Zone labels. Django's own "T" format prints nothing for a time in the repeated autumn
# hour (it will not guess which of the two it is), and "start-end T" labels only the end.
# An aware datetime knows which instant it is (its fold), so these read the abbreviation
# from the instant itself, in the zone of the enclosing {% timezone %} block.


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(timezone.get_current_timezone())


def _clock(value: dt.datetime) -> str:
    return f"{value:%H:%M}"


@register.filter
def zoned(value: dt.datetime | None, date_format: str = "") -> str:
    """``{{ start|zoned:"l j F Y" }}`` -> "Sunday 31 October 2027, 01:30 GMT" (no date
    format: the time and zone alone)."""
    if not isinstance(value, dt.datetime):
        return ""
    local = _local(value)
    label = f"{_clock(local)} {local.tzname()}"
    return f"{dateformat.format(local, date_format)}, {label}" if date_format else label


@register.simple_tag
def time_range(start: dt.datetime, end: dt.datetime, date_format: str = "") -> str:
    """``{% time_range start end "l j F Y" %}``: each end labelled with its own zone when the
    clocks change in between ("01:30 BST" to "01:30 GMT"), else once after both times."""
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        return ""
    first, last = _local(start), _local(end)
    if first.tzname() == last.tzname():
        span = f"{_clock(first)}–{_clock(last)} {last.tzname()}"
    else:
        span = f"{_clock(first)} {first.tzname()}–{_clock(last)} {last.tzname()}"
    return f"{dateformat.format(first, date_format)}, {span}" if date_format else span


@register.filter
def phone(value: object) -> str:
    """A phone number as people at the clinic write it: national format for numbers of
    the clinic's own country (PHONENUMBER_DEFAULT_REGION), international for others."""
    if not value:
        return ""
    region = settings.PHONENUMBER_DEFAULT_REGION
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException:
        return str(value)
    same_country = phonenumbers.region_code_for_number(number) == region
    style = PhoneNumberFormat.NATIONAL if same_country else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@register.filter
def phone_href(value: object) -> str:
    """The tel: link of a phone number (E.164)."""
    try:
        number = phonenumbers.parse(str(value), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    return "tel:" + phonenumbers.format_number(number, PhoneNumberFormat.E164)


_SEVERITY_LABELS = {
    "absolute": "Hold until a practitioner clears it",
    "relative": "Practitioner reviews",
    "estim_only": "No electrical stimulation",
}


@register.filter
def intake_label(value: str) -> str:
    """An intake status in words ("Needs review", not needs_review)."""
    if value in IntakeStatus.values:
        return str(IntakeStatus(value).label)
    return value.replace("_", " ")


@register.filter
def severity_label(value: str) -> str:
    """What a screening answer does, in words (estim_only: "No electrical stimulation")."""
    return _SEVERITY_LABELS.get(str(value), str(value).replace("_", " "))


# The parts of a day a patient thinks in; times are grouped under them.
DAY_PARTS = (("Morning", 12), ("Afternoon", 17), ("Evening", 24))


@register.filter
def day_parts(
    times: list[tuple[dt.datetime, str]],
) -> list[tuple[str, list[tuple[dt.datetime, str]]]]:
    """(start, value) pairs grouped as morning, afternoon and evening in the active time
    zone (the page's `{% timezone %}`); parts without times are left out."""
    groups: dict[str, list[tuple[dt.datetime, str]]] = {name: [] for name, _ in DAY_PARTS}
    for start, value in times:
        hour = timezone.localtime(start).hour
        name = next(name for name, before in DAY_PARTS if hour < before)
        groups[name].append((start, value))
    return [(name, items) for name, items in groups.items() if items]


@register.filter
def initials(name: str) -> str:
    """The initials shown in place of a photo: "Amira Haddad" -> "AH"."""
    return "".join(word[0] for word in str(name).split()[:2]).upper()
