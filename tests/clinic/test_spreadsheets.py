"""Every CSV the clinic writes goes through clinic.spreadsheets: no cell a spreadsheet
would run as a formula, numbers left as numbers."""

import csv
import io
from decimal import Decimal

import pytest

from clinic.spreadsheets import csv_response, safe_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_gets_an_apostrophe(start):
    assert safe_cell(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"


def test_other_text_and_empty_cells_are_unchanged():
    assert safe_cell("Alice Practitioner") == "Alice Practitioner"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell("") == ""
    assert safe_cell(None) == ""


def test_numbers_the_clinic_computed_stay_numbers_even_when_negative():
    # A refund of 12.50 must still add up in the spreadsheet; typed text is still text.
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell(-0.5) == -0.5
    assert safe_cell("-12.50") == "'-12.50"


def test_the_response_is_a_csv_download_with_every_cell_safe():
    response = csv_response(
        filename="x.csv", header=["name", "amount"], rows=[["=1+1", Decimal("-5.00")]]
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["name", "amount"], ["'=1+1", "-5.00"]]
