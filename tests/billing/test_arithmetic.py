from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.arithmetic import Amounts, line_amounts, part_of, total


def test_it_rounds_half_up_to_the_penny():
    # 2.50 x 1 at 20 % is 0.50 exactly; 0.125 would round down under banker's rounding.
    assert line_amounts(quantity=1, unit_price=Decimal("0.625"), vat_rate=Decimal(20)) == Amounts(
        Decimal("0.63"), Decimal("0.13"), Decimal("0.76")
    )


def test_it_computes_a_standard_rated_product():
    amounts = line_amounts(quantity=3, unit_price=Decimal("4.99"), vat_rate=Decimal(20))
    assert amounts == Amounts(Decimal("14.97"), Decimal("2.99"), Decimal("17.96"))


def test_an_exempt_line_has_no_tax():
    amounts = line_amounts(quantity=1, unit_price=Decimal("60.00"), vat_rate=Decimal(0))
    assert amounts == Amounts(Decimal("60.00"), Decimal("0.00"), Decimal("60.00"))


def test_it_adds_lines():
    lines = [
        Amounts(Decimal(1), Decimal(0), Decimal(1)),
        Amounts(Decimal(2), Decimal(1), Decimal(3)),
    ]
    assert total(lines) == Amounts(Decimal(3), Decimal(1), Decimal(4))


def test_a_part_keeps_the_tax_in_proportion():
    line = Amounts(Decimal("50.00"), Decimal("10.00"), Decimal("60.00"))
    assert part_of(line, gross=Decimal("30.00")) == Amounts(
        Decimal("25.00"), Decimal("5.00"), Decimal("30.00")
    )


pennies = st.decimals(min_value=0, max_value=100_000, places=2)


@given(price=pennies, quantity=st.integers(1, 50), rate=st.sampled_from([0, 5, 20]))
def test_gross_is_always_net_plus_tax_in_pennies(price, quantity, rate):
    amounts = line_amounts(quantity=quantity, unit_price=price, vat_rate=Decimal(rate))
    assert amounts.gross == amounts.net + amounts.tax
    for value in (amounts.net, amounts.tax, amounts.gross):
        assert value == value.quantize(Decimal("0.01"))


@pytest.mark.parametrize("gross", ["0.01", "17.33", "60.00"])
def test_a_part_adds_up(gross):
    line = Amounts(Decimal("50.00"), Decimal("10.00"), Decimal("60.00"))
    part = part_of(line, gross=Decimal(gross))
    assert part.net + part.tax == part.gross == Decimal(gross)
