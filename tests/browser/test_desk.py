"""The front desk's day in Chromium: sign in with both factors, read the calendar, book a
caller, check a patient in and mark a no-show; every page passes axe at both sizes."""

import datetime as dt

import pytest

from booking.models import Appointment, AppointmentStatus
from clinic.roles import RECEPTIONIST
from tests import factories
from tests.browser.visitor import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "desk-pass-for-tests"


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 1, 11, hour, minute, tzinfo=dt.UTC)  # GMT: the wall clock


@pytest.fixture
def day() -> dict[str, Appointment]:
    clinic = factories.clinic()
    charlie = factories.patient()
    dana = factories.patient(first_name="Dana", email="dana@example.com", phone="+447400123456")
    erin = factories.patient(first_name="Erin", email="erin@example.com", phone="+447400123457")
    return {
        "missed": factories.appointment(clinic, dana, at(9), status=AppointmentStatus.CONFIRMED),
        "arriving": factories.appointment(
            clinic, charlie, at(11), practitioner=clinic.bob, status=AppointmentStatus.CONFIRMED
        ),
        "later": factories.appointment(
            clinic, erin, at(14), service=clinic.follow_up, status=AppointmentStatus.CONFIRMED
        ),
    }


def test_the_receptionists_day(visitor, day):
    rita = factories.staff(username="rita", role=RECEPTIONIST, password=PASSWORD)
    sign_in(visitor, rita, password=PASSWORD)
    visitor.visit("/staff/calendar/riverside/")
    visitor.shot("desk-calendar")
    assert "Dana" in visitor.text()

    # Charlie arrives for 11:00: check in. Nothing refused is offered.
    visitor.press(visitor.page.locator(f"a.cal-appt[href*='{day['arriving'].reference}']"))
    assert "No-show" not in visitor.text()  # the session has not started
    visitor.click("Check in")
    day["arriving"].refresh_from_db()
    assert day["arriving"].status == AppointmentStatus.CHECKED_IN

    # Dana did not come at 09:00.
    visitor.visit(f"/staff/appointments/{day['missed'].reference}/")
    assert "Check in" in visitor.text()
    visitor.click("No-show")
    day["missed"].refresh_from_db()
    assert day["missed"].status == AppointmentStatus.NO_SHOW

    # Erin's 14:00 is later today: it cannot be completed yet, nor marked a no-show.
    visitor.visit(f"/staff/appointments/{day['later'].reference}/")
    assert "Complete" not in visitor.text()
    assert "No-show" not in visitor.text()

    # Charlie calls back for a follow-up tomorrow at 09:00 with Alice.
    visitor.visit("/staff/calendar/riverside/book/")
    visitor.page.fill("[name=q]", "Charlie")
    visitor.click("Search")
    visitor.click("Choose", role="link")
    visitor.shot("desk-book-caller")
    form = visitor.page.locator("main form[method=post]")
    form.get_by_label("Service").select_option(label="Follow-up dry needling")
    form.get_by_label("Practitioner").select_option(label="Alice Practitioner")
    visitor.page.fill("[name=date]", "2027-01-12")
    visitor.page.fill("[name=time]", "09:00")
    visitor.click("Book")
    visitor.shot("desk-booked")
    booked = Appointment.objects.get(start=at(9) + dt.timedelta(days=1))
    assert booked.patient.first_name == "Charlie"
    assert booked.status == AppointmentStatus.CONFIRMED
