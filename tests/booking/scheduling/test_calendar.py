"""The day calendar and the week view: what they show, and that they load in a fixed
number of queries however many appointments there are."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.services.invoices import LineInput, invoice_draft, invoice_issue
from booking.models import Appointment, AppointmentSource, ClinicClosure, TimeOff
from booking.scheduling import calendar
from tests import factories
from tests.factories import MONDAY, NOW, at, book


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def day_url(clinic, day=MONDAY):
    return reverse("staff:day", args=[clinic.location.slug]) + f"?date={day.isoformat()}"


def test_it_shows_practitioner_columns_and_appointment_blocks(clinic, patient, desk):
    booked = book(clinic, patient, at(10))

    response = desk.get(day_url(clinic))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Alice Practitioner" in body
    assert "Bob Practitioner" in body
    assert "Charlie Patient" in body
    assert clinic.initial.name in body
    assert booked.reference in body
    cal = response.context["cal"]
    assert [c.practitioner for c in cal.columns] == [clinic.alice, clinic.bob]
    (block,) = cal.blocks
    # 08:00 is the first row (row 2); 10:00 is 24 five-minute rows later; 60 min = 12 rows.
    assert (block.column, block.row, block.span) == (2, 26, 12)
    assert "style=" not in body


def test_it_shows_free_time_as_links_to_book(clinic, patient, desk):
    book(clinic, patient, at(10))

    cal = desk.get(day_url(clinic)).context["cal"]

    alice_free = {c.local_start.time() for c in cal.free if c.practitioner_id == clinic.alice.pk}
    assert dt.time(9) in alice_free
    # Held from 10:00 to 11:10 (the buffer); free again at 11:15 on the 15-minute grid.
    assert not alice_free & {dt.time(10), dt.time(10, 45), dt.time(11)}
    assert dt.time(11, 15) in alice_free
    assert dt.time(12) not in alice_free  # lunch
    bob_free = {c.local_start.time() for c in cal.free if c.practitioner_id == clinic.bob.pk}
    assert dt.time(10) in bob_free  # the other room


def test_it_shades_time_off_and_closures(clinic, desk):
    TimeOff.objects.create(practitioner=clinic.alice, starts_at=at(14), ends_at=at(16))
    ClinicClosure.objects.create(
        location=clinic.location, starts_at=at(16, 30), ends_at=at(17), reason="Staff training"
    )

    cal = desk.get(day_url(clinic)).context["cal"]

    kinds = {(s.column, s.kind) for s in cal.shades}
    assert (2, "off") in kinds
    assert (3, "off") not in kinds
    assert {(2, "closed"), (3, "closed")} <= kinds
    alice_free = {c.local_start.time() for c in cal.free if c.practitioner_id == clinic.alice.pk}
    assert dt.time(14) not in alice_free
    assert dt.time(16, 30) not in alice_free


def test_it_shows_times_in_the_location_zone(clinic, patient, desk):
    summer = dt.date(2027, 7, 12)  # a Monday in BST (UTC+1)
    start = dt.datetime(2027, 7, 12, 9, tzinfo=dt.UTC)  # 10:00 BST
    book(clinic, patient, start)

    cal = desk.get(day_url(clinic, summer)).context["cal"]

    (block,) = cal.blocks
    assert block.local_start.hour == 10
    assert block.row == 2 + 24


def test_it_shows_a_session_in_the_hour_the_clocks_go_back(clinic, patient, desk):
    autumn = dt.date(2027, 10, 31)  # 02:00 BST becomes 01:00 GMT
    start = dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)  # 01:30 BST, ends 01:30 GMT
    booked = book(clinic, patient, start, override_hours=True)

    response = desk.get(day_url(clinic, autumn))

    assert response.status_code == 200
    (block,) = response.context["cal"].blocks
    assert block.appointment == booked
    assert block.span == 1  # the wall clock shows no time passing


def test_it_navigates_between_days(clinic, desk):
    response = desk.get(day_url(clinic))
    body = response.content.decode()
    assert "?date=2027-01-10" in body
    assert "?date=2027-01-12" in body
    assert 'type="date"' in body


def test_it_redirects_staff_home_to_today(clinic, desk):
    response = desk.get("/staff/")
    assert response.url == day_url(clinic, NOW.date())


def test_it_ignores_a_bad_date(clinic, desk):
    response = desk.get(reverse("staff:day", args=[clinic.location.slug]) + "?date=nope")
    assert response.status_code == 200
    assert response.context["day"] == NOW.date()


def test_it_shows_one_practitioners_week(clinic, patient, desk):
    book(clinic, patient, at(10))
    book(
        clinic,
        patient,
        at(11, day=MONDAY + dt.timedelta(days=2)),
        practitioner=clinic.alice,
        service=clinic.follow_up,
    )

    url = reverse("staff:week", args=[clinic.location.slug, clinic.alice.pk])
    cal = desk.get(url + "?date=2027-01-13").context["cal"]

    assert [c.day for c in cal.columns] == [MONDAY + dt.timedelta(n) for n in range(7)]
    assert [(b.column, b.row) for b in cal.blocks] == [(2, 26), (4, 38)]
    assert [c.working for c in cal.columns] == [True] * 5 + [False] * 2


# --- Query counts -------------------------------------------------------------------------


def short_service():
    return factories.service(
        name="Short", slug="short", duration_minutes=10, buffer_after_minutes=5, price="10.00"
    )


def busy_day(clinic, per_practitioner: int):
    """10 practitioners (alice, bob and 8 more), 10 rooms, and `per_practitioner`
    appointments each on MONDAY, every 15 minutes from 08:00 (written directly: this is
    about reading them)."""
    service = short_service()
    team = [clinic.alice, clinic.bob] + [
        factories.practitioner(
            slug=f"p{n}", first_name=f"P{n}", location=clinic.location, services=[service]
        )
        for n in range(8)
    ]
    rooms = clinic.rooms + [
        factories.room(location=clinic.location, name=f"Room {n}") for n in range(3, 11)
    ]
    # One patient per session: nobody is in two rooms at once.
    patients = [
        [
            factories.patient(first_name=f"P{row}x{n}", last_name="Busy")
            for n in range(per_practitioner)
        ]
        for row in range(len(team))
    ]
    Appointment.objects.bulk_create(
        factories.appointment(
            clinic,
            patient,
            at(8) + dt.timedelta(minutes=15 * n),
            practitioner=practitioner,
            service=service,
            room=room,
            source=AppointmentSource.FRONT_DESK,
            reference=f"R{practitioner.pk}X{n}",
            save=False,
        )
        for practitioner, room, row in zip(team, rooms, patients, strict=True)
        for n, patient in enumerate(row)
    )
    return team


def busy_week(clinic, count: int) -> None:
    """`count` appointments for alice, Monday to Friday of MONDAY's week, every 15 minutes
    from 02:00 (outside her hours too: the front desk may book there)."""
    service = short_service()
    patient = factories.patient(first_name="Wendy", last_name="Week")
    Appointment.objects.bulk_create(
        factories.appointment(
            clinic,
            patient,
            at(2, day=MONDAY + dt.timedelta(days=n % 5)) + dt.timedelta(minutes=15 * (n // 5)),
            service=service,
            source=AppointmentSource.FRONT_DESK,
            reference=f"W{n}",
            save=False,
        )
        for n in range(count)
    )


# The patients' intake statuses (patients.selectors.intake_statuses).
INTAKE = 1
# The same for every staff page: the session, the user, the second factor that verified
# the session (django-otp), the user's own permissions and their groups' permissions.
SIGNED_IN = 5
# calendar._load: practitioners, hours (UNION), time off and closures (UNION), rooms,
# appointments (with patient, service, room and practitioner joined), waitlist entries,
# the booking policy.
CALENDAR = 7
# billing.selectors.appointment_money_states: the shown appointments' invoice lines, with
# their invoices and sums (for staff who see invoices, as the front desk does).
MONEY = 1


def money_states(count: int) -> None:
    """Invoice `count` of the appointments: drafts, unpaid, part paid and paid in turn."""
    for n, appointment in enumerate(Appointment.objects.order_by("pk")[:count]):
        line = LineInput(description="Session", unit_price=Decimal(40), appointment=appointment)
        invoice = invoice_draft(
            patient=appointment.patient, lines=[line], created_by=factories.clerk()
        )
        if n % 4:
            invoice_issue(invoice=invoice, issued_by=factories.clerk(), now=NOW)
        if n % 4 > 1:
            factories.payment(appointment.patient, "40.00", (invoice, f"{n % 4 * 10}.00"))


@pytest.mark.parametrize("per_practitioner", [1, 40])  # 10 and 400 appointments
def test_it_loads_the_day_calendar_in_fixed_queries(
    clinic, desk, per_practitioner, django_assert_num_queries
):
    busy_day(clinic, per_practitioner)
    money_states(per_practitioner)

    # + the location; + the other active locations, for the switcher; + the count of
    # text replies waiting for the desk (messaging.selectors.unhandled_replies).
    with django_assert_num_queries(SIGNED_IN + 1 + CALENDAR + INTAKE + 1 + MONEY + 1):
        response = desk.get(day_url(clinic))

    assert response.status_code == 200
    cal = response.context["cal"]
    assert len(cal.columns) == 10
    assert len(cal.blocks) == 10 * per_practitioner
    assert len(response.context["money"]) == per_practitioner


@pytest.mark.parametrize("count", [10, 400])
def test_it_loads_the_week_view_in_fixed_queries(clinic, desk, count, django_assert_num_queries):
    busy_week(clinic, count)
    url = reverse("staff:week", args=[clinic.location.slug, clinic.alice.pk])

    # + the location; + the practitioner (with the user).
    with django_assert_num_queries(SIGNED_IN + 1 + 1 + CALENDAR + INTAKE + MONEY):
        response = desk.get(url + f"?date={MONDAY.isoformat()}")

    assert response.status_code == 200
    assert len(response.context["cal"].blocks) == count


@pytest.mark.parametrize("per_practitioner", [1, 40])
def test_it_builds_the_day_calendar_in_the_same_queries_for_any_load(
    clinic, per_practitioner, django_assert_num_queries
):
    busy_day(clinic, per_practitioner)
    clinic.location.refresh_from_db()

    with django_assert_num_queries(CALENDAR + INTAKE):
        cal = calendar.day_calendar(location=clinic.location, day=MONDAY, now=NOW)

    assert len(cal.blocks) == 10 * per_practitioner


def test_it_draws_the_now_line_on_todays_columns_only(clinic):
    # The hours shown start at 08:00 in row 2 (FIRST_ROW), one row per 5 minutes: 10:32 is
    # 150 minutes in, row 2 + 30.
    now = at(10, 32)
    today = calendar.day_calendar(location=clinic.location, day=MONDAY, now=now)
    assert today.now_line == ["cal-r32 cal-c2", "cal-r32 cal-c3"]
    tomorrow = MONDAY + dt.timedelta(days=1)
    assert calendar.day_calendar(location=clinic.location, day=tomorrow, now=now).now_line == []
    week = calendar.week_calendar(
        location=clinic.location, practitioner=clinic.alice, monday=MONDAY, now=now
    )
    assert week.now_line == ["cal-r32 cal-c2"]  # Monday's column
    evening = calendar.day_calendar(location=clinic.location, day=MONDAY, now=at(22))
    assert evening.now_line == []  # after the hours shown
