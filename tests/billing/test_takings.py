"""The takings arithmetic (billing.takings): pure, no database."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.takings import (
    NO_SESSION,
    UNALLOCATED,
    Owed,
    Received,
    Refunded,
    Share,
    age_bucket,
    period_bounds,
    split_pennies,
    takings,
)

D = Decimal
DAY = dt.date(2027, 1, 13)  # a Wednesday
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
pennies = st.integers(min_value=0, max_value=10**8).map(lambda n: D(n) / 100)
weights = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False), min_size=1, max_size=8
)


@given(days)
def test_a_week_runs_monday_to_sunday_around_the_day(day):
    first, last = period_bounds("week", day)
    assert first.weekday() == 0
    assert last - first == dt.timedelta(days=6)
    assert first <= day <= last


@given(days)
def test_a_month_is_the_calendar_month_of_the_day(day):
    first, last = period_bounds("month", day)
    assert first == day.replace(day=1)
    assert (last + dt.timedelta(days=1)).day == 1
    assert last.month == day.month
    assert first <= day <= last


def test_a_day_and_a_custom_period():
    assert period_bounds("day", DAY) == (DAY, DAY)
    assert period_bounds("custom", DAY, dt.date(2027, 1, 1), dt.date(2027, 2, 1)) == (
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
    )
    with pytest.raises(ValueError, match="custom"):
        period_bounds("custom", DAY, None, DAY)


@given(pennies, weights)
def test_shares_add_up_to_the_penny_and_stay_within_a_penny_of_exact(total, parts):
    shares = split_pennies(total, parts)
    assert sum(shares) == total
    assert all(share == share.quantize(D("0.01")) for share in shares)
    whole = sum(parts)
    if whole > 0:
        for share, weight in zip(shares, parts, strict=True):
            assert abs(share - total * weight / whole) < D("0.01")


def test_a_payment_is_shared_by_line_gross_with_the_odd_penny_to_the_largest_remainder():
    assert split_pennies(D("10.00"), [D(1), D(1), D(1)]) == [D("3.34"), D("3.33"), D("3.33")]
    assert split_pennies(D("50.00"), [D("60.00"), D("40.00")]) == [D("30.00"), D("20.00")]


@pytest.mark.parametrize(
    ("age", "bucket"),
    [(0, "0-30 days"), (30, "0-30 days"), (31, "31-60 days"), (60, "31-60 days"),
     (61, "61-90 days"), (90, "61-90 days"), (91, "over 90 days"), (400, "over 90 days")],
)  # fmt: skip
def test_ageing_buckets_meet_at_their_edges(age, bucket):
    assert age_bucket(DAY - dt.timedelta(days=age), DAY) == bucket


def _report(**overrides):
    inputs = {
        "first_day": DAY,
        "last_day": DAY,
        "as_of": DAY,
        "received": [Received(DAY, "cash", D("100.00")), Received(DAY, "card", D("45.00"))],
        # 10.00 cash against three equal lines of Alice (1), Bob (2) and a product (None).
        "shares": [
            Share(DAY, "cash", 1, D("3.3333333333")),
            Share(DAY, "cash", 2, D("3.3333333333")),
            Share(DAY, "cash", None, D("3.3333333334")),
            Share(DAY, "card", 2, D("45.00")),
        ],
        "names": {1: "Alice", 2: "Bob"},
        "owed": [Owed(DAY - dt.timedelta(days=40), D("25.00"))],
        "refunded": [Refunded(DAY, "cash", D("5.00"))],
        "credit_held": D("90.00"),
        "method_order": ["cash", "card", "online"],
    }
    return takings(**(inputs | overrides))


def test_the_practitioners_and_the_rest_add_up_to_what_was_received():
    report = _report()
    assert report.total == D("145.00")
    assert report.methods == ["cash", "card"]
    assert report.by_practitioner == [
        ("Alice", D("3.33")),
        ("Bob", D("48.33")),
        (NO_SESSION, D("3.34")),  # the largest remainder takes the odd penny
        (UNALLOCATED, D("90.00")),
    ]
    assert sum(amount for _, amount in report.by_practitioner) == report.total
    assert [(b.label, b.invoices, b.amount) for b in report.ageing][1] == (
        "31-60 days",
        1,
        D("25.00"),
    )
    assert report.refunds_total == D("5.00")


def test_a_practitioner_sees_their_share_only_the_same_figure_as_on_the_whole_report():
    mine = _report(received=[], practitioner_id=2)
    assert mine.by_practitioner == [("Bob", D("48.33"))]
    assert mine.total == D("48.33")
    assert mine.by_method == {"cash": D("3.33"), "card": D("45.00")}
    assert mine.ageing[1].invoices == 0
    assert mine.refunds == []
    assert mine.credit_held == 0
