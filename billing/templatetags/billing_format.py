from django import template

from billing.selectors import MoneyState

register = template.Library()


@register.filter
def money_state(states: dict[int, MoneyState] | None, appointment_id: int) -> MoneyState | None:
    """``{{ money|money_state:a.pk }}``: the appointment's state in a map from
    billing.selectors.appointment_money_states (None: not invoiced, or not shown)."""
    return (states or {}).get(appointment_id)
