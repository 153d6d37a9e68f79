"""The waitlist: which entries fit a freed time (oldest first), and the staff pages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from booking.models import AppointmentSource, TimeOfDay, WaitlistEntry, WaitlistStatus
from booking.selectors.waitlist import entries_matching
from booking.services.waitlist import waitlist_add, waitlist_set_status
from patients.models import Patient
from tests import factories
from tests.factories import MONDAY, NOW, at

DESK = AppointmentSource.FRONT_DESK


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def person(n: int) -> Patient:
    return factories.patient(first_name=f"Wait{n}", last_name="Lister")


def entry(clinic, n, **kwargs) -> WaitlistEntry:
    values = {
        "service": clinic.initial,
        "location": None,
        "practitioner": None,
        "earliest_date": MONDAY,
        "latest_date": MONDAY,
        "time_of_day": TimeOfDay.ANY,
    }
    values.update(kwargs)
    return waitlist_add(patient=person(n), source=DESK, **values)


def matching(clinic, start, practitioner=None):
    return list(
        entries_matching(
            service=clinic.initial,
            location=clinic.location,
            practitioner=practitioner or clinic.alice,
            start=start,
            end=start + dt.timedelta(hours=1),
        )
    )


def test_it_matches_service_place_person_dates_and_time_of_day_oldest_first(clinic):
    elsewhere = factories.location(name="Hill", slug="hill", address="2 Hill Road")
    oldest = entry(clinic, 1)
    with_alice = entry(clinic, 2, practitioner=clinic.alice, location=clinic.location)
    morning = entry(clinic, 3, time_of_day=TimeOfDay.MORNING)
    entry(clinic, 4, practitioner=clinic.bob)
    entry(clinic, 5, location=elsewhere)
    entry(clinic, 6, service=clinic.follow_up)
    entry(clinic, 7, time_of_day=TimeOfDay.AFTERNOON)
    entry(
        clinic,
        8,
        earliest_date=MONDAY + dt.timedelta(days=1),
        latest_date=MONDAY + dt.timedelta(days=3),
    )
    withdrawn = entry(clinic, 9)
    waitlist_set_status(entry=withdrawn, status=WaitlistStatus.WITHDRAWN)

    assert matching(clinic, at(10)) == [oldest, with_alice, morning]
    assert matching(clinic, at(14)) == [oldest, with_alice, entry_named("Wait7")]


def entry_named(first_name: str) -> WaitlistEntry:
    return WaitlistEntry.objects.get(patient__first_name=first_name)


def test_it_reads_the_time_of_day_in_the_location_zone(clinic):
    evening = entry(
        clinic,
        1,
        time_of_day=TimeOfDay.EVENING,
        earliest_date=dt.date(2027, 7, 12),
        latest_date=dt.date(2027, 7, 12),
    )
    # 16:30 UTC is 17:30 BST: evening in London.
    start = dt.datetime(2027, 7, 12, 16, 30, tzinfo=dt.UTC)
    assert matching(clinic, start) == [evening]


def test_it_matches_in_one_query(clinic, django_assert_num_queries):
    for n in range(5):
        entry(clinic, n)
    with django_assert_num_queries(1):  # the entries, with patient, service and more joined
        found = matching(clinic, at(10))
        [e.patient.full_name for e in found]
    assert len(found) == 5


def test_it_adds_a_patient_to_the_waitlist(clinic, patient, desk):
    response = desk.post(
        reverse("staff:waitlist_new", args=[patient.pk]),
        {
            "service": clinic.initial.pk,
            "location": "",
            "practitioner": clinic.bob.pk,
            "earliest_date": "2027-01-11",
            "latest_date": "2027-01-22",
            "time_of_day": "afternoon",
            "note": "Prefers Bob",
        },
    )

    assert response.status_code == 302
    added = WaitlistEntry.objects.get()
    assert (added.patient, added.practitioner, added.location) == (patient, clinic.bob, None)
    assert added.source == DESK
    assert added.status == WaitlistStatus.WAITING


def test_it_refuses_dates_out_of_order(clinic, patient, desk):
    response = desk.post(
        reverse("staff:waitlist_new", args=[patient.pk]),
        {
            "service": clinic.initial.pk,
            "earliest_date": "2027-01-22",
            "latest_date": "2027-01-11",
            "time_of_day": "any",
        },
    )
    assert response.status_code == 400
    assert not WaitlistEntry.objects.exists()


def test_it_lists_the_waitlist_and_marks_an_offer(clinic, desk):
    first = entry(clinic, 1)
    second = entry(clinic, 2)

    listing = desk.get(reverse("staff:waitlist"))
    assert list(listing.context["entries"]) == [first, second]

    desk.post(reverse("staff:waitlist_status", args=[first.pk]), {"status": "offered"})
    bad = desk.post(reverse("staff:waitlist_status", args=[second.pk]), {"status": "eaten"})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (WaitlistStatus.OFFERED, WaitlistStatus.WAITING)
    assert bad.status_code == 302


def test_it_marks_booked_only_with_an_appointment(clinic, desk):
    """Booked always names its appointment: staff cannot set it by hand, and the database
    refuses a row that says booked without one."""
    waiting = entry(clinic, 1)
    r = desk.post(
        reverse("staff:waitlist_status", args=[waiting.pk]),
        {"status": WaitlistStatus.BOOKED},
        follow=True,
    )
    assert "That status cannot be set here." in r.text
    with pytest.raises(ValidationError):
        waitlist_set_status(entry=waiting, status=WaitlistStatus.BOOKED)
    waiting.refresh_from_db()
    assert waiting.status == WaitlistStatus.WAITING
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistEntry.objects.filter(pk=waiting.pk).update(status=WaitlistStatus.BOOKED)
