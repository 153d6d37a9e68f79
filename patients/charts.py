"""Geometry of the progress charts: scores over time as SVG coordinates.

Pure: no Django. The template draws the SVG from these numbers (no JavaScript, no inline
styles: the strict CSP allows neither), and prints the same numbers as a table.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
HEIGHT = 260
LEFT = 48  # room for the value labels
RIGHT = 16
TOP = 16
BOTTOM = 40  # room for the date labels
SQUARE = 10  # side of a follow-up point's square
MAX_LABELS = 8  # date labels under the axis; more would overlap (the table has them all)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: Decimal
    label: str
    show_label: bool = True
    follow_up: bool = False  # from a survey after discharge: drawn as a square

    @property
    def square(self) -> tuple[float, float]:
        """Top-left corner of the follow-up square centred on the point."""
        return round(self.x - SQUARE / 2, 1), round(self.y - SQUARE / 2, 1)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: tuple[Point, ...]
    polyline: str
    ticks: tuple[Tick, ...]
    baseline_y: float | None
    threshold_y: float | None
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _scale(value: Decimal, low: Decimal, high: Decimal) -> float:
    """y of `value`: `high` at the top, `low` at the bottom."""
    span = float(high - low) or 1.0
    share = (float(value) - float(low)) / span
    return round(HEIGHT - BOTTOM - share * (HEIGHT - BOTTOM - TOP), 1)


def _ticks(low: Decimal, high: Decimal, count: int = 5) -> tuple[Tick, ...]:
    step = (high - low) / count
    values = [low + step * n for n in range(count + 1)]
    return tuple(Tick(_scale(v, low, high), f"{v.normalize():f}") for v in values)


def chart(
    values: Sequence[tuple[str, Decimal]],
    *,
    low: Decimal,
    high: Decimal,
    threshold: Decimal | None = None,
    follow_ups: frozenset[int] = frozenset(),
) -> Chart:
    """`values` are (label, score) in time order; the first is the baseline. Points are
    evenly spaced: the chart reads visit by visit, and the table gives the dates. The
    points at the indexes in `follow_ups` came from follow-up surveys after discharge."""
    inner = WIDTH - LEFT - RIGHT
    gap = inner / (len(values) - 1) if len(values) > 1 else 0
    every = -(-len(values) // MAX_LABELS)  # ceiling division
    points = tuple(
        Point(
            x=round(LEFT + (index * gap if len(values) > 1 else inner / 2), 1),
            y=_scale(value, low, high),
            value=value,
            label=label,
            show_label=index % every == 0 or index == len(values) - 1,
            follow_up=index in follow_ups,
        )
        for index, (label, value) in enumerate(values)
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        ticks=_ticks(low, high),
        baseline_y=points[0].y if points else None,
        threshold_y=_scale(threshold, low, high) if threshold is not None else None,
    )
