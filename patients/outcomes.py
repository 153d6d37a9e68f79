"""Change in an outcome score against its minimal clinically important difference (MCID).

Pure: no Django. The MCID is data (patients.models.Instrument); this module only does the
arithmetic, for both directions (lower is better for a pain score, higher for a function
score). DOMAIN.md gives NPRS's MCID as "2 points or 30%": either is enough, so a change
is meaningful when it reaches the points threshold or the percentage of the baseline.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    LOWER_BETTER = "lower_better"
    HIGHER_BETTER = "higher_better"


@dataclass(frozen=True)
class Mcid:
    points: Decimal | None = None
    percent: Decimal | None = None

    @property
    def defined(self) -> bool:
        return self.points is not None or self.percent is not None


@dataclass(frozen=True)
class Change:
    baseline: Decimal
    latest: Decimal
    improvement: Decimal  # positive means better, whatever the direction
    percent: Decimal | None  # improvement as a percentage of the baseline, if defined
    meaningful: bool | None  # None when the instrument has no MCID (range of motion)

    @property
    def label(self) -> str:
        if self.meaningful is None:
            return "No meaningful-change threshold for this measure"
        if self.meaningful:
            return "Meaningful improvement reached"
        return "Meaningful improvement not reached yet"


def improvement(baseline: Decimal, latest: Decimal, direction: Direction) -> Decimal:
    if direction is Direction.LOWER_BETTER:
        return baseline - latest
    return latest - baseline


def percent_of_baseline(amount: Decimal, baseline: Decimal) -> Decimal | None:
    """`amount` as a percentage of the baseline; undefined for a zero baseline."""
    if baseline == 0:
        return None
    return amount * 100 / abs(baseline)


def change(baseline: Decimal, latest: Decimal, *, direction: Direction, mcid: Mcid) -> Change:
    gained = improvement(baseline, latest, direction)
    percent = percent_of_baseline(gained, baseline)
    meaningful: bool | None = None
    if mcid.defined:
        by_points = mcid.points is not None and gained >= mcid.points
        by_percent = mcid.percent is not None and percent is not None and percent >= mcid.percent
        meaningful = gained > 0 and (by_points or by_percent)
    return Change(baseline, latest, gained, percent, meaningful)


def threshold(
    baseline: Decimal, *, direction: Direction, mcid: Mcid, low: Decimal, high: Decimal
) -> Decimal | None:
    """The score at which the change becomes meaningful (the easier of the two rules),
    kept inside the instrument's range; None without an MCID or when out of reach."""
    steps: list[Decimal] = []
    if mcid.points is not None:
        steps.append(mcid.points)
    if mcid.percent is not None and baseline != 0:
        steps.append(abs(baseline) * mcid.percent / 100)
    if not steps:
        return None
    step = min(steps)
    target = baseline - step if direction is Direction.LOWER_BETTER else baseline + step
    if target < low or target > high:
        return None
    return target
