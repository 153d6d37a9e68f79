"""A new patient books a first visit in Chromium, at desktop and phone size, with
JavaScript on and off; every page on the way passes axe."""

import pytest

from booking.models import Appointment, AppointmentStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS = {
    "first_name": "Dana",
    "last_name": "Visitor",
    "email": "dana@example.com",
    "phone": "07400 123456",
    "date_of_birth": "1990-02-03",
}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_new_patient_books_a_first_visit(make_visitor, size, javascript):
    clinic = factories.clinic()
    visitor = make_visitor(size=size, javascript=javascript)
    step = f"booking-{size}" + ("" if javascript else "-no-js")

    visitor.visit("/book/")
    visitor.shot(f"{step}-1-service")
    visitor.click(clinic.initial.name, role="link")
    visitor.click("Any practitioner", role="link")
    visitor.shot(f"{step}-2-times")
    visitor.press(visitor.page.locator(".time-grid button").first)
    for name, value in DETAILS.items():
        visitor.page.fill(f"[name={name}]", value)
    visitor.shot(f"{step}-3-details")
    visitor.click("Continue to review")
    visitor.click("Confirm booking")
    visitor.shot(f"{step}-4-booked")

    appointment = Appointment.objects.get()
    assert appointment.patient.email == "dana@example.com"
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.reference in visitor.text()
    assert "{#" not in visitor.text()


@pytest.mark.parametrize(
    ("size", "javascript"),
    [("desktop", True), ("phone", False)],
    ids=["desktop", "phone-no-javascript"],
)
def test_a_patient_jumps_ahead_in_the_month_view(make_visitor, size, javascript):
    clinic = factories.clinic()
    visitor = make_visitor(size=size, javascript=javascript)

    visitor.visit(f"/book/{clinic.initial.slug}/")
    visitor.click("Any practitioner", role="link")
    visitor.click("See the whole month", role="link")
    assert visitor.page.locator(".month-calendar caption").inner_text().startswith("January 2027")
    visitor.click("February", role="link")
    # The first Monday of February: a link naming its day and how many times are free.
    visitor.click("Monday 1 February", role="link")
    assert visitor.page.locator("#day-times").inner_text().startswith("Monday 1 February 2027")
    assert visitor.page.locator(".month-day-chosen a[aria-current=date]").count() == 1
    # A Saturday has no times, in words as well as in looks.
    saturday = visitor.page.get_by_role("cell", name="Saturday 6 February")
    assert "no times" in saturday.text_content()
    visitor.shot(f"booking-month-{size}")

    visitor.press(visitor.page.locator(".time-grid button").first)
    assert "Your details" in visitor.text()
