import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from booking.models import (
    Appointment,
    AppointmentStatus,
    BookingPolicy,
    ClinicClosure,
    TimeOff,
)
from clinic.models import Page, PageSection
from patients.models import Patient
from tests import factories

# Shown only inside their parents' admins.
# A treatment note's needling rows and amendments are shown (and amendments added) inline;
# webhook attempts inside their delivery; a practitioner's photo is uploaded or removed on
# the practitioner's page.
INLINE_ONLY = {
    "Room",
    "PageSection",
    "WeeklyHours",
    "ExtraHours",
    "NeedlingEntry",
    "NoteAmendment",
    "WebhookAttempt",
    "PractitionerPhoto",
}


def admin_url(obj_or_model, view: str, *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def records(clinic, patient):
    page = Page.objects.create(slug="test-page", title="Test page")
    PageSection.objects.create(page=page, heading="What it is", body="Fine needles.")
    starts = dt.datetime(2027, 1, 18, 9, tzinfo=dt.UTC)
    return [
        clinic.location,
        page,
        clinic.initial,
        clinic.alice,
        TimeOff.objects.create(
            practitioner=clinic.alice, starts_at=starts, ends_at=starts + dt.timedelta(days=1)
        ),
        ClinicClosure.objects.create(
            starts_at=starts, ends_at=starts + dt.timedelta(days=1), reason="Bank holiday"
        ),
        clinic.policy,
        factories.appointment(clinic, patient, dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)),
        patient,
    ]


def test_it_registers_every_model():
    for app_label in ["clinic", "booking", "patients"]:
        for model in apps.get_app_config(app_label).get_models():
            assert (
                admin.site.is_registered(model)
                or model.__name__ in INLINE_ONLY
                # Change history: shown by each model's History page (django-simple-history).
                or model.__name__.startswith("Historical")
                # Bookkeeping with no permissions at all (the schedule version): no one's to edit.
                or not model._meta.default_permissions
            ), model


def test_it_shows_every_changelist_and_change_page(admin_client, records):
    for obj in records:
        if isinstance(obj, BookingPolicy):
            continue
        assert admin_client.get(admin_url(obj, "changelist")).status_code == 200, obj
        assert admin_client.get(admin_url(obj, "change", obj.pk)).status_code == 200, obj


def test_it_shows_add_pages(admin_client, records):
    for obj in records:
        expected = 403 if isinstance(obj, Appointment | BookingPolicy) else 200
        assert admin_client.get(admin_url(obj, "add")).status_code == expected, obj


def test_it_redirects_policy_changelist_to_the_single_row(admin_client, db):
    r = admin_client.get(admin_url(BookingPolicy, "changelist"))
    assert r.status_code == 302
    assert r.url == admin_url(BookingPolicy, "change", BookingPolicy.load().pk)
    assert admin_client.get(r.url).status_code == 200
    assert admin_client.get(admin_url(BookingPolicy, "delete", 1)).status_code == 403


def test_it_shows_start_in_the_location_zone(admin_client, clinic, patient):
    factories.appointment(clinic, patient, dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC))
    factories.appointment(clinic, patient, dt.datetime(2027, 7, 12, 9, tzinfo=dt.UTC))

    r = admin_client.get(admin_url(Appointment, "changelist"))
    assert "Mon 11 Jan 2027 09:00 GMT" in r.text
    assert "Mon 12 Jul 2027 10:00 BST" in r.text


def test_it_refuses_to_delete_appointments_and_patients(admin_client, records):
    appointment, patient = records[-2:]
    for obj in [appointment, patient]:
        assert admin_client.get(admin_url(obj, "delete", obj.pk)).status_code == 403
        changelist = admin_url(obj, "changelist")
        assert "delete_selected" not in admin_client.get(changelist).text
        admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk]})
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_it_changes_nothing_through_the_form(admin_client, clinic, patient):
    """Status, time and place are read-only: a posted form changes none of them."""
    appointment = factories.appointment(clinic, patient, dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC))
    r = admin_client.post(
        admin_url(appointment, "change", appointment.pk),
        {
            "status": AppointmentStatus.CANCELLED,
            "start_0": "2027-01-12",
            "room": clinic.rooms[1].pk,
        },
    )
    assert r.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.start == dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    assert appointment.room == clinic.rooms[0]


def test_it_offers_only_the_actions_that_can_succeed(admin_client, clinic, patient):
    appointment = factories.appointment(clinic, patient, dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC))
    page = admin_client.get(admin_url(appointment, "change", appointment.pk)).text
    # A future confirmed appointment can be cancelled, not checked in, completed or missed.
    assert 'value="cancel"' in page
    for refused in ("check_in", "complete", "no_show", "confirm"):
        assert f'value="{refused}"' not in page


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("check_in", "Patients can be checked in only on the day."),
        ("complete", "A session cannot be completed before it starts."),
        ("confirm", "A confirmed appointment cannot be confirmed."),
    ],
)
def test_it_refuses_what_the_services_refuse(admin_client, clinic, patient, action, message):
    appointment = factories.appointment(clinic, patient, dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC))
    r = admin_client.post(
        reverse("admin:booking_appointment_status", args=[appointment.pk]),
        {"action": action},
        follow=True,
    )
    assert message in r.text
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_checking_in_from_the_admin_records_who_did_it(
    client, admin_user, clinic, patient, time_machine
):
    """The admin's action goes through the same service as the desk's button, and keeps
    the signed-in user as the one who saw the patient arrive (decision 0077)."""
    start = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    by_button = factories.appointment(clinic, patient, start)
    by_action = factories.appointment(clinic, patient, start + dt.timedelta(hours=2))
    time_machine.move_to(start - dt.timedelta(minutes=5), tick=False)
    admin_client = factories.signed_in(client, admin_user)

    admin_client.post(
        reverse("admin:booking_appointment_status", args=[by_button.pk]), {"action": "check_in"}
    )
    admin_client.post(
        admin_url(Appointment, "changelist"),
        {"action": "status_check_in", "_selected_action": [by_action.pk]},
    )

    for appointment in (by_button, by_action):
        appointment.refresh_from_db()
        assert (appointment.status, appointment.checked_in_by) == (
            AppointmentStatus.CHECKED_IN,
            admin_user,
        )


def test_it_will_not_reactivate_a_cancelled_appointment(admin_client, clinic, patient):
    start = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    cancelled = factories.appointment(clinic, patient, start, status=AppointmentStatus.CANCELLED)
    for action in ("confirm", "check_in", "cancel"):
        admin_client.post(
            reverse("admin:booking_appointment_status", args=[cancelled.pk]), {"action": action}
        )
    cancelled.refresh_from_db()
    assert cancelled.status == AppointmentStatus.CANCELLED


def test_it_cancels_with_the_same_side_effects_as_the_front_desk(
    admin_client, clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    """The admin's cancel and the desk's cancel go through one service: the same status,
    the same email to the patient."""
    start = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    by_admin = factories.appointment(clinic, patient, start)
    by_desk = factories.appointment(clinic, patient, start + dt.timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:booking_appointment_status", args=[by_admin.pk]), {"action": "cancel"}
        )
        admin_client.post(
            admin_url(Appointment, "changelist"),
            {"action": "status_cancel", "_selected_action": [by_desk.pk]},
        )
    from_admin = [m.subject for m in mailoutbox]
    mailoutbox.clear()
    by_desk.refresh_from_db()
    by_desk.status = AppointmentStatus.CONFIRMED
    by_desk.save()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("staff:appointment_cancel", args=[by_desk.reference]), {"reason": "Called"}
        )

    by_admin.refresh_from_db()
    by_desk.refresh_from_db()
    assert by_admin.status == by_desk.status == AppointmentStatus.CANCELLED
    assert len(from_admin) == 2
    assert from_admin[0] == from_admin[1] == mailoutbox[0].subject
    assert mailoutbox[0].to == [patient.email]


def test_it_archives_patients(admin_client, patient):
    r = admin_client.post(
        admin_url(Patient, "changelist"), {"action": "archive", "_selected_action": [patient.pk]}
    )
    assert r.status_code == 302
    patient.refresh_from_db()
    assert patient.is_archived


@pytest.mark.parametrize("count", [1, 20])
def test_it_lists_appointments_in_constant_queries(
    admin_client, clinic, django_assert_num_queries, count
):
    monday = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    for n in range(count):
        patient = factories.patient(first_name=f"Patient{n}", last_name="Test")
        factories.appointment(
            clinic,
            patient,
            monday + dt.timedelta(days=n // 4, hours=2 * (n % 4)),
            practitioner=[clinic.alice, clinic.bob][n % 2],
            service=[clinic.initial, clinic.follow_up][n % 2],
        )

    with django_assert_num_queries(12):
        # 1. the session
        # 2. the logged-in user
        # 3. the second factor that verified this session (django-otp)
        # 4. the location filter's choices
        # 5. the practitioner filter's choices, with their users
        # 6. the service filter's choices
        # 7. the count of matching appointments
        # 8. the count of all appointments
        # 9. the page of appointments with patient, practitioner, user, service,
        #    location and room joined
        # 10. the access log: one row per patient on the page, in one insert
        # 11. the date hierarchy: first and last start
        # 12. the date hierarchy: days in that month
        r = admin_client.get(admin_url(Appointment, "changelist"))
    assert r.status_code == 200


def test_it_finds_appointments_by_reference_and_patient(admin_client, clinic, patient):
    appointment = factories.appointment(clinic, patient, dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC))
    changelist = admin_url(Appointment, "changelist")
    for q in [appointment.reference, "charlie patient", "charlie@example.com"]:
        assert appointment.reference in admin_client.get(changelist, {"q": q}).text, q
    assert appointment.reference not in admin_client.get(changelist, {"q": "nobody"}).text
