"""The stylesheets compiled from assets/scss (`npm run build`, which bin/test runs first):
each page links one, and the calendar's placement classes cover every row and column the
calendar can ask for."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from booking.scheduling import calendar_blocks
from tests import factories
from tests.factories import MONDAY, NOW, at, book

PLACEMENT = re.compile(r"\bcal-[rsc]\d+\b")


def stylesheet(name: str) -> str:
    path = finders.find(f"build/{name}")
    assert path, f"static/build/{name} is missing: run `npm run build`"
    return Path(path).read_text(encoding="utf-8-sig")


def defined(css: str, prefix: str) -> set[int]:
    return {int(n) for n in re.findall(rf"\.{prefix}(\d+)\{{", css)}


def test_it_compiles_bootstrap_into_each_stylesheet():
    for name in ("site.css", "staff.css"):
        css = stylesheet(name)
        assert "Bootstrap" in css
        assert ".btn{" in css
        assert ".lead-block{" in css


def test_it_has_row_classes_for_a_whole_day():
    css = stylesheet("staff.css")
    rows = calendar_blocks.DAY_MINUTES // calendar_blocks.ROW_MINUTES

    assert defined(css, "cal-r") >= set(range(1, calendar_blocks.FIRST_ROW + rows))
    assert defined(css, "cal-s") >= set(range(1, rows + 1))


def test_it_has_column_classes_for_two_hundred_practitioners():
    css = stylesheet("staff.css")

    assert defined(css, "cal-c") >= set(range(1, calendar_blocks.FIRST_COLUMN + 200))


def test_it_links_one_stylesheet_per_page(client, clinic):
    home = client.get(reverse("home")).content.decode()
    sign_in = client.get(reverse("login")).content.decode()

    assert re.findall(r'rel="stylesheet" href="([^"]+)"', home) == ["/static/build/site.css"]
    assert re.findall(r'rel="stylesheet" href="([^"]+)"', sign_in) == ["/static/build/staff.css"]


@pytest.fixture
def crowded(time_machine, clinic, patient):
    """Sixty practitioners working here on MONDAY, the last one with an appointment."""
    time_machine.move_to(NOW, tick=False)
    team = [
        factories.practitioner(
            slug=f"p{n:02d}",
            first_name=f"P{n:02d}",
            location=clinic.location,
            services=[clinic.initial],
        )
        for n in range(58)
    ]
    book(clinic, patient, at(10), practitioner=team[-1])
    return clinic


def test_every_placement_on_a_crowded_day_has_its_class(crowded, desk):
    url = reverse("staff:day", args=[crowded.location.slug]) + f"?date={MONDAY.isoformat()}"

    response = desk.get(url)

    assert len(response.context["cal"].columns) == 60
    used = set(PLACEMENT.findall(response.content.decode()))
    assert "cal-c61" in used
    css = stylesheet("staff.css")
    missing = {name for name in used if f".{name}{{" not in css}
    assert not missing
