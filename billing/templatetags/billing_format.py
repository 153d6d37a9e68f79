from decimal import Decimal

from django import template

from billing.arithmetic import ZERO
from billing.models import PaymentMethod
from billing.selectors import MoneyState
from billing.selectors.revenue import Revenue, revenue
from booking.scheduling.reports import Report

register = template.Library()


@register.filter
def money_state(states: dict[int, MoneyState] | None, appointment_id: int) -> MoneyState | None:
    """``{{ money|money_state:a.pk }}``: the appointment's state in a map from
    billing.selectors.appointment_money_states (None: not invoiced, or not shown)."""
    return (states or {}).get(appointment_id)


@register.filter
def amount_of(amounts: dict[str, Decimal] | None, method: str) -> Decimal:
    """``{{ row.amounts|amount_of:method }}``: a takings cell, 0 where nothing was taken."""
    return (amounts or {}).get(method, ZERO)


@register.filter
def method_label(method: str) -> str:
    """The name of a payment or refund method as the desk knows it."""
    return str(dict(PaymentMethod.choices).get(method, method))


@register.simple_tag
def real_revenue(report: Report) -> Revenue:
    """``{% real_revenue report as real %}``: what the manager's report (booking, which
    must not read billing) shows beside revenue at list prices (three queries)."""
    return revenue(location=report.location, first_day=report.first_day, last_day=report.last_day)
