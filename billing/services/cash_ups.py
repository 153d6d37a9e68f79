"""The desk's day-end cash-up: the records' expected takings against what was counted,
kept as closed (decision 0102)."""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from billing.arithmetic import has_pennies_only
from billing.models import CashUp, CashUpLine
from billing.selectors.cash_ups import CASH_UP_METHODS, cash_up_expected
from billing.services.amounts import LARGEST
from billing.services.errors import BillingError
from clinic.models import Location

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

ALREADY = "This day is already cashed up at this location: a closed cash-up is kept as it is."


def _checked_counts(counted: Mapping[str, Decimal]) -> dict[str, Decimal]:
    if set(counted) != {str(method) for method in CASH_UP_METHODS}:
        raise BillingError("Enter what was counted for every method.", code="methods")
    for amount in counted.values():
        if not amount.is_finite() or amount < 0:
            raise BillingError("A counted amount cannot be negative.", code="negative")
        if not has_pennies_only(amount) or amount > LARGEST:
            raise BillingError("Enter a counted amount in pounds and pence.", code="decimals")
    return {method: amount.quantize(Decimal("0.01")) for method, amount in counted.items()}


def cash_up_close(
    *,
    location: Location,
    day: dt.date,
    counted: Mapping[str, Decimal],
    note: str,
    closed_by: "StaffUser",
    now: dt.datetime,
) -> CashUp:
    """Close `day` at `location`: expected from the desk's payments, counted as entered.
    Once per location and day (the constraint refuses a second close, even from two desks
    at once); a day not yet begun cannot be closed."""
    counts = _checked_counts(counted)
    if day > now.astimezone(location.zone).date():
        raise BillingError("That day has not come yet.", code="future")
    with transaction.atomic():
        # Lock the location's row: two desks closing at once queue, the second is refused.
        Location.objects.select_for_update().filter(pk=location.pk).first()
        if CashUp.objects.filter(location=location, day=day).exists():
            raise BillingError(ALREADY, code="closed")
        expected = cash_up_expected(location=location, day=day)
        cash_up = CashUp(location=location, day=day, closed_at=now, closed_by=closed_by, note=note)
        cash_up.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                cash_up.save()
        except IntegrityError as error:  # a close committed between the check and the save
            raise BillingError(ALREADY, code="closed") from error
        CashUpLine.objects.bulk_create(
            CashUpLine(
                cash_up=cash_up,
                method=method,
                expected=expected.by_method[method],
                counted=amount,
                difference=amount - expected.by_method[method],
            )
            for method, amount in counts.items()
        )
    return cash_up
