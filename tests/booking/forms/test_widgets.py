"""The booking pages' Python-rendered widgets give the markup Django's templates give."""

import pytest
from django import forms
from django.test.testcases import assert_and_parse_html

from booking.forms.widgets import QuickDateInput, QuickSelect

CHOICES = [("any", "Any practitioner"), ("2", "Alice <Smith> & co"), ("3", "Bob")]
ATTRS = {"class": "form-select", "aria-invalid": "true", "aria-describedby": "id_x_error"}


def same_html(ours: str, django: str) -> bool:
    return assert_and_parse_html(None, ours, None, "") == assert_and_parse_html(
        None, django, None, ""
    )


@pytest.mark.parametrize("value", ["any", "3", None, "unknown"])
def test_the_select_matches_djangos(value):
    attrs = ATTRS | {"id": "id_practitioner"}
    ours = QuickSelect(choices=CHOICES).render("practitioner", value, attrs)
    django = forms.Select(choices=CHOICES).render("practitioner", value, attrs)
    assert same_html(ours, django), (ours, django)
    assert "&lt;Smith&gt; &amp; co" in ours  # labels escaped


@pytest.mark.parametrize("value", ["2027-01-11", None, '"><script>'])
def test_the_date_input_matches_djangos(value):
    attrs = {"id": "id_date", "min": "2027-01-04", "max": "2027-02-04", "required": True}
    ours = QuickDateInput().render("date", value, attrs)
    django = forms.DateInput(attrs={"type": "date"}).render("date", value, attrs)
    assert same_html(ours, django), (ours, django)
