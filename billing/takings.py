"""The takings arithmetic, pure (no Django): periods, tables by day, method and
practitioner, the ageing of what is owed. billing.selectors.takings.load_takings reads its inputs
in a fixed number of queries; `as_of` and the period are passed in (decision 0101).

A payment put against an invoice of several practitioners' sessions is shared between
them in proportion to each line's gross; each day's and method's share is rounded to the
penny by the largest remainder, so the practitioners' figures add up to what was put
against invoices that day to the penny.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")

PERIODS = ("day", "week", "month", "custom")
# (label, first age in days, last age in days or None for no end)
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30 days", 0, 30),
    ("31-60 days", 31, 60),
    ("61-90 days", 61, 90),
    ("over 90 days", 91, None),
)
# The practitioner column of what was not put against a practitioner's session.
NO_SESSION = "not for a session (products, fees without an appointment)"
UNALLOCATED = "not yet put against an invoice (the patient's credit)"


def period_bounds(
    kind: str, day: dt.date, first: dt.date | None = None, last: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The first and last day of the period of `kind` around `day`: the day, its week
    (Monday to Sunday), its calendar month, or first..last for a custom period."""
    if kind == "day":
        return day, day
    if kind == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    if kind == "month":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    if kind == "custom" and first is not None and last is not None:
        return first, last
    raise ValueError(f"Unknown period {kind!r}, or a custom period without both days.")


def split_pennies(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` (whole pennies) shared in proportion to `weights` (not negative), in whole
    pennies that add up to `total`: each share rounded down, then the pennies left over
    given to the largest remainders (ties to the first)."""
    whole = sum(weights, ZERO)
    if not weights:
        return []
    if whole <= 0:
        return [total] + [ZERO] * (len(weights) - 1)
    exact = [total * weight / whole for weight in weights]
    shares = [share.quantize(PENNY, rounding=ROUND_DOWN) for share in exact]
    left = int((total - sum(shares, ZERO)) / PENNY)
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:left]:
        shares[i] += PENNY
    return shares


def age_bucket(issued_on: dt.date, as_of: dt.date) -> str:
    """The age label of an invoice issued on `issued_on`, on `as_of` (0 on its day)."""
    age = (as_of - issued_on).days
    for label, low, high in AGE_BUCKETS:
        if age >= low and (high is None or age <= high):
            return label
    return AGE_BUCKETS[0][0]  # issued after as_of: the loader does not read those


@dataclass(frozen=True)
class Received:
    """Payments received on a day by a method (the loader's first query)."""

    day: dt.date
    method: str
    amount: Decimal


@dataclass(frozen=True)
class Share:
    """What a practitioner's lines drew from the payments of a day and method, before
    rounding (practitioner None: lines without a session)."""

    day: dt.date
    method: str
    practitioner_id: int | None
    amount: Decimal


@dataclass(frozen=True)
class Owed:
    """An issued invoice still owed on the report's date."""

    issued_on: dt.date
    outstanding: Decimal


@dataclass(frozen=True)
class Refunded:
    day: dt.date
    method: str
    amount: Decimal


@dataclass(frozen=True)
class DayRow:
    day: dt.date
    amounts: dict[str, Decimal]  # by method
    total: Decimal


@dataclass(frozen=True)
class Bucket:
    label: str
    invoices: int
    amount: Decimal


@dataclass(frozen=True)
class Takings:
    first_day: dt.date
    last_day: dt.date
    as_of: dt.date
    methods: list[str]  # the columns, in the order of `method_order`
    days: list[DayRow]
    by_method: dict[str, Decimal]
    total: Decimal
    by_practitioner: list[tuple[str, Decimal]]  # names (or NO_SESSION / UNALLOCATED)
    refunds: list[DayRow]
    refunds_total: Decimal
    ageing: list[Bucket]
    outstanding_total: Decimal
    credit_held: Decimal


def attribute(shares: Iterable[Share]) -> dict[tuple[dt.date, str, int | None], Decimal]:
    """Each day's and method's shares rounded to pennies that add up to the day's total."""
    cells: dict[tuple[dt.date, str], list[Share]] = defaultdict(list)
    for share in shares:
        cells[(share.day, share.method)].append(share)
    rounded: dict[tuple[dt.date, str, int | None], Decimal] = {}
    for (day, method), group in cells.items():
        total = sum((share.amount for share in group), ZERO).quantize(PENNY)
        parts = split_pennies(total, [share.amount for share in group])
        for share, part in zip(group, parts, strict=True):
            rounded[(day, method, share.practitioner_id)] = part
    return rounded


def _table(
    cells: Iterable[tuple[dt.date, str, Decimal]],
) -> tuple[list[DayRow], dict[str, Decimal]]:
    by_day: dict[dt.date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    by_method: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for day, method, amount in cells:
        by_day[day][method] += amount
        by_method[method] += amount
    rows = [
        DayRow(day, dict(amounts), sum(amounts.values(), ZERO))
        for day, amounts in sorted(by_day.items())
    ]
    return rows, dict(by_method)


def ageing(owed: Iterable[Owed], as_of: dt.date) -> list[Bucket]:
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for invoice in owed:
        label = age_bucket(invoice.issued_on, as_of)
        counts[label] += 1
        amounts[label] += invoice.outstanding
    return [Bucket(label, counts[label], amounts[label]) for label, _, _ in AGE_BUCKETS]


def _by_practitioner(
    received: Sequence[Received],
    rounded: Mapping[tuple[dt.date, str, int | None], Decimal],
    names: Mapping[int, str],
) -> list[tuple[str, Decimal]]:
    totals: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for (_, _, practitioner), amount in rounded.items():
        totals[practitioner] += amount
    named = sorted(
        ((names.get(p, str(p)), amount) for p, amount in totals.items() if p is not None),
        key=lambda row: row[0],
    )
    unallocated = sum((r.amount for r in received), ZERO) - sum(rounded.values(), ZERO)
    extra = [(NO_SESSION, totals[None])] if None in totals else []
    if unallocated:
        extra.append((UNALLOCATED, unallocated))
    return named + extra


def takings(
    *,
    first_day: dt.date,
    last_day: dt.date,
    as_of: dt.date,
    received: Sequence[Received],
    shares: Sequence[Share],
    names: Mapping[int, str],
    owed: Sequence[Owed],
    refunded: Sequence[Refunded],
    credit_held: Decimal,
    method_order: Sequence[str],
    practitioner_id: int | None = None,
) -> Takings:
    """The report; with `practitioner_id`, one practitioner's takings only: their shares
    by day and method (the same figures as on the whole clinic's report), no other
    practitioner, no ageing, credit or refunds."""
    rounded = attribute(shares)
    if practitioner_id is None:
        days, by_method = _table((r.day, r.method, r.amount) for r in received)
        by_practitioner = _by_practitioner(received, rounded, names)
    else:
        mine = [(d, m, a) for (d, m, p), a in rounded.items() if p == practitioner_id]
        days, by_method = _table(mine)
        total_mine = sum((a for _, _, a in mine), ZERO)
        by_practitioner = [(names.get(practitioner_id, ""), total_mine)]
        owed, refunded, credit_held = [], [], ZERO
    refund_days, _ = _table((r.day, r.method, r.amount) for r in refunded)
    return Takings(
        first_day=first_day,
        last_day=last_day,
        as_of=as_of,
        methods=[m for m in method_order if m in by_method],
        days=days,
        by_method=by_method,
        total=sum(by_method.values(), ZERO),
        by_practitioner=by_practitioner,
        refunds=refund_days,
        refunds_total=sum((r.total for r in refund_days), ZERO),
        ageing=ageing(owed, as_of),
        outstanding_total=sum((o.outstanding for o in owed), ZERO),
        credit_held=credit_held,
    )
