"""Every CSV the clinic writes: staff open them in a spreadsheet, where a cell that starts
with = + - @, a tab or a carriage return is read as a formula (OWASP, "CSV Injection").
Names, search terms and details are typed by people, so each text cell is neutralised.

Numbers the clinic computes (ints, decimals, floats) are written as they are: they cannot
be formulas, and a negative amount must stay a number the spreadsheet can add up. Text
that merely looks like a number ("-12", typed into a form) is text, and is neutralised.
"""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

type Cell = str | int | float | Decimal | None


def safe_cell(value: Cell) -> str | int | float | Decimal:
    """The value for a CSV cell: a number as it is, text with a leading apostrophe when a
    spreadsheet would take it for a formula (the apostrophe shows that it was text)."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> HttpResponse:
    """A CSV download (opens in a spreadsheet) with every cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return response
