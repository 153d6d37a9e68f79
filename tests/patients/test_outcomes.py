"""Change against the MCID, both directions, points and percentages (pure: no database)."""

from decimal import Decimal as D

import pytest

from patients import charts, outcomes
from patients.outcomes import Direction, Mcid

NPRS = Mcid(points=D(2), percent=D(30))  # DOMAIN.md: 2 points or 30%
PSFS = Mcid(points=D(2))
LOWER, HIGHER = Direction.LOWER_BETTER, Direction.HIGHER_BETTER


@pytest.mark.parametrize(
    ("baseline", "latest", "meaningful"),
    [
        (7, 4, True),  # 3 points
        (7, 6, False),  # 1 point, 14%
        (7, 5, True),  # exactly 2 points
        (3, 2, True),  # 1 point, but 33% of the baseline
        (10, 8, True),  # 2 points, 20%
        (5, 4, False),  # 1 point, 20%
        (4, 7, False),  # worse
        (0, 0, False),  # nothing to improve, and no percentage of zero
    ],
)
def test_it_judges_pain_lower_is_better(baseline, latest, meaningful):
    change = outcomes.change(D(baseline), D(latest), direction=LOWER, mcid=NPRS)

    assert change.meaningful is meaningful
    assert change.improvement == D(baseline - latest)


@pytest.mark.parametrize(
    ("baseline", "latest", "meaningful"),
    [(3, 5, True), (3, 4, False), (3, 3, False), (5, 3, False), (8, 10, True)],
)
def test_it_judges_function_higher_is_better(baseline, latest, meaningful):
    change = outcomes.change(D(baseline), D(latest), direction=HIGHER, mcid=PSFS)

    assert change.meaningful is meaningful
    assert change.improvement == D(latest - baseline)


def test_it_gives_the_percentage_of_the_baseline():
    change = outcomes.change(D(10), D(6), direction=LOWER, mcid=NPRS)

    assert change.percent == D(40)
    assert change.label == "Meaningful improvement reached"
    worse = outcomes.change(D(4), D(6), direction=LOWER, mcid=NPRS)
    assert worse.percent == D(-50)
    assert worse.label == "Meaningful improvement not reached yet"


def test_it_has_no_verdict_without_an_mcid():
    change = outcomes.change(D(90), D(140), direction=HIGHER, mcid=Mcid())

    assert change.meaningful is None
    assert change.label == "No meaningful-change threshold for this measure"


@pytest.mark.parametrize(
    ("baseline", "direction", "mcid", "expected"),
    [
        (D(7), LOWER, NPRS, D(5)),  # 2 points beats 30% (2.1)
        (D(5), LOWER, NPRS, D("3.5")),  # 30% (1.5) beats 2 points
        (D(3), HIGHER, PSFS, D(5)),
        (D(9), HIGHER, PSFS, None),  # 11 is off the 0 to 10 scale
        (D(90), HIGHER, Mcid(), None),
    ],
)
def test_it_places_the_threshold_line(baseline, direction, mcid, expected):
    found = outcomes.threshold(baseline, direction=direction, mcid=mcid, low=D(0), high=D(10))

    assert found == expected


def test_it_draws_points_inside_the_chart_with_the_lines():
    chart = charts.chart(
        [("1 Sep", D(7)), ("8 Sep", D(6)), ("15 Sep", D(4))], low=D(0), high=D(10), threshold=D(5)
    )

    assert [p.x for p in chart.points] == [chart.left, (chart.left + chart.right) / 2, chart.right]
    assert chart.points[0].y == chart.baseline_y
    # Higher scores are higher up (smaller y); 10 is at the top, 0 at the bottom.
    assert chart.points[2].y > chart.points[0].y
    assert chart.ticks[0].y == chart.bottom
    assert chart.ticks[-1].y == chart.top
    assert chart.points[0].y < chart.threshold_y < chart.points[2].y
    assert chart.polyline.count(",") == 3


def test_it_labels_at_most_eight_dates_and_always_the_last():
    values = [(f"day {n}", D(n % 10)) for n in range(30)]

    chart = charts.chart(values, low=D(0), high=D(10))

    labelled = [p.label for p in chart.points if p.show_label]
    assert len(labelled) <= 9
    assert labelled[0] == "day 0"
    assert labelled[-1] == "day 29"
    assert len(chart.points) == 30
