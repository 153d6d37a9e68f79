"""The money arithmetic of invoices and credit notes, pure (no Django): each line's net, tax
and gross, rounded half up to the penny, as HMRC expects of a VAT invoice. Issuing stores
these figures, so an issued document never depends on this code again."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def to_pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def has_pennies_only(amount: Decimal) -> bool:
    """No fraction of a penny (2.5 and 2.50 pass, 2.505 does not)."""
    return amount == amount.quantize(PENNY)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    tax: Decimal
    gross: Decimal

    def __add__(self, other: "Amounts") -> "Amounts":
        return Amounts(self.net + other.net, self.tax + other.tax, self.gross + other.gross)


NOTHING = Amounts(ZERO, ZERO, ZERO)


def line_amounts(*, quantity: int, unit_price: Decimal, vat_rate: Decimal) -> Amounts:
    """A line's figures; the unit price is net of VAT and the rate a percentage."""
    net = to_pennies(unit_price * quantity)
    tax = to_pennies(net * vat_rate / 100)
    return Amounts(net, tax, net + tax)


def total(lines: Iterable[Amounts]) -> Amounts:
    return sum(lines, NOTHING)


def part_of(amounts: Amounts, *, gross: Decimal) -> Amounts:
    """The share of a line (or an invoice) that `gross` stands for, tax in proportion:
    crediting £30 of a £60 line with £10 VAT credits £5 of it."""
    if amounts.gross == 0:
        return Amounts(gross, ZERO, gross)
    tax = to_pennies(amounts.tax * gross / amounts.gross)
    return Amounts(gross - tax, tax, gross)
