"""The checks every amount typed at the desk goes through, with the desk's wording."""

from decimal import Decimal

from billing.arithmetic import has_pennies_only
from billing.services.errors import BillingError

# DecimalField(max_digits=10, decimal_places=2).
LARGEST = Decimal("99999999.99")


def checked_amount(amount: Decimal, *, what: str = "The amount") -> Decimal:
    if not amount.is_finite() or amount <= 0:
        raise BillingError(f"{what} must be more than zero.", code="not_positive")
    if not has_pennies_only(amount):
        raise BillingError(f"{what} cannot have fractions of a penny.", code="decimals")
    if amount > LARGEST:
        raise BillingError(f"{what} is too large.", code="too_large")
    return amount.quantize(Decimal("0.01"))
