"""The access log is complete (staff pages, admin change pages and searches, the portal),
append-only, and the manager can read and export it per patient; changes are kept in the
change history, visible in the admin."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from booking import links
from booking.models import Appointment
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from patients.models import (
    AccessLogAppendOnly,
    AccessVia,
    ConsentSignature,
    PatientAccessLog,
    ScreeningResult,
)
from tests import factories
from tests.factories import NOW, at, book, submitted_intake


def admin_url(obj_or_model, view: str, *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def entries(**filters):
    return list(PatientAccessLog.objects.filter(**filters).values_list("record", "via"))


# The access log's own records: reading them is what the access-log page is for.
THE_LOG_ITSELF = {"patients.PatientAccessLog", "patients.BreakGlassAccess"}


def test_every_admin_of_rows_naming_a_patient_logs_who_looked():
    from django.contrib import admin

    from patients.admin import AccessLoggedAdmin
    from patients.models import Episode, Patient

    unlogged = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if (
            model is Patient
            or any(
                field.concrete and field.is_relation and field.related_model in (Patient, Episode)
                for field in model._meta.get_fields()
            )
        )
        and not isinstance(model_admin, AccessLoggedAdmin)
        and model._meta.label not in THE_LOG_ITSELF
    ]
    assert unlogged == []


def test_a_list_logs_the_patients_its_rows_name_and_skips_rows_naming_none(
    admin_client, clinic, patient
):
    from decimal import Decimal

    from billing.models import BookingCheckout, CheckoutKind

    for n, person in enumerate([patient, None]):
        BookingCheckout.objects.create(
            session_id=f"cs_{n}",
            url=f"http://stripe.test/pay/{n}",
            kind=CheckoutKind.DEPOSIT,
            amount=Decimal("20.00"),
            details={"first_name": "Sam"},
            hold_token=f"hold-{n}",
            service=clinic.initial,
            location=clinic.location,
            start=at(10),
            patient=person,
            idempotency_key=f"key-{n}",
            created_at=NOW,
            expires_at=NOW + dt.timedelta(minutes=30),
        )
    page = admin_client.get(reverse("admin:billing_bookingcheckout_changelist"))
    assert page.status_code == 200
    logged = PatientAccessLog.objects.filter(record="booking checkout list")
    assert list(logged.values_list("patient", flat=True)) == [patient.pk]


def test_admin_change_pages_of_patient_data_are_logged(admin_client, admin_user, patient):
    intake = submitted_intake(patient)
    pages = {
        ("patient", patient),
        ("screening", ScreeningResult.objects.get(intake=intake)),
        ("consent signature", ConsentSignature.objects.get(patient=patient)),
        ("intake", intake),
    }
    for record, obj in pages:
        assert admin_client.get(admin_url(obj, "change", obj.pk)).status_code == 200
        assert (record, AccessVia.ADMIN) in entries(user=admin_user, patient=patient), record
    admin_client.get(admin_url(patient, "history", patient.pk))
    assert ("patient history", AccessVia.ADMIN) in entries(user=admin_user, patient=patient)


def test_admin_searches_are_logged_with_their_terms(admin_client, admin_user, patient, dana):
    admin_client.get(admin_url(patient, "changelist"), {"q": "Charlie"})
    search = PatientAccessLog.objects.get(user=admin_user, record="patient search")
    assert (search.detail, search.patient) == ("Charlie", None)
    # The list it showed names Charlie only, and says so.
    listed = PatientAccessLog.objects.filter(user=admin_user, record="patient list")
    assert list(listed.values_list("patient", "via")) == [(patient.pk, AccessVia.ADMIN)]


def test_admin_lists_log_each_patient_they_show(admin_client, admin_user, clinic, patient, dana):
    """The patient list and the appointment list name patients: each patient on the page
    shown gets a row (once, however many of their appointments are listed), so the
    manager's "who viewed Charlie" finds them; a patient not on the page gets none."""
    erin = factories.patient(first_name="Erin", last_name="Zed", email="erin@example.com")
    factories.appointment(clinic, patient, at(10))
    factories.appointment(clinic, patient, at(10, day=factories.MONDAY + dt.timedelta(days=1)))
    factories.appointment(clinic, dana, at(8))

    assert admin_client.get(admin_url(patient, "changelist")).status_code == 200
    assert admin_client.get(admin_url(Appointment, "changelist")).status_code == 200
    # A search that finds Dana's appointment only.
    assert admin_client.get(admin_url(Appointment, "changelist"), {"q": "Other"}).status_code == 200

    def listed(record):
        rows = PatientAccessLog.objects.filter(user=admin_user, record=record)
        return sorted(rows.values_list("patient__first_name", flat=True))

    assert listed("patient list") == ["Charlie", "Dana", "Erin"]
    assert listed("appointment list") == ["Charlie", "Dana", "Dana"]
    assert not PatientAccessLog.objects.filter(patient=erin, record="appointment list").exists()
    page = admin_client.get(reverse("patients_staff:access_log", args=[dana.pk]))
    assert "appointment list" in page.text


@pytest.mark.parametrize("patients", [1, 12])
def test_an_admin_list_logs_in_one_insert_whatever_it_shows(
    admin_client, clinic, patients, django_assert_num_queries
):
    for n in range(patients):
        person = factories.patient(first_name=f"P{n}", email=f"p{n}@example.com")
        factories.appointment(clinic, person, at(8, day=factories.MONDAY + dt.timedelta(days=n)))
    admin_client.get(admin_url(Appointment, "changelist"))  # sessions and caches warm
    # The session, the user (a superuser: no permission queries), the second factor; the
    # filters' locations, practitioners and services; the two counts (filtered and all);
    # the page of appointments (patients joined); the one insert of the access-log rows;
    # the date hierarchy's first and last day, then its days.
    with django_assert_num_queries(3 + 3 + 2 + 1 + 1 + 2) as captured:
        response = admin_client.get(admin_url(Appointment, "changelist"))
    assert response.status_code == 200
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert 'INSERT INTO "patients_patientaccesslog"' in inserts[0]


def test_staff_searches_and_appointment_pages_are_logged(client, clinic, patient):
    rita = factories.staff(username="rita", role=RECEPTIONIST)
    factories.signed_in(client, rita)
    appointment = book(clinic, patient, at(10))
    client.get(reverse("patients_staff:patients"), {"q": "charlie"})
    client.get(reverse("staff:appointment", args=[appointment.reference]))
    assert entries(user=rita) == [("appointment", "staff"), ("patient search", "staff")]


def test_the_portal_is_logged_as_the_patient(client, clinic, patient):
    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))
    client.get(reverse("booking:portal"))
    assert entries(patient=patient, user=None) == [("portal", "portal")]


def test_the_manager_sees_who_viewed_a_patient_and_exports_it(client, clinic, patient):
    reader = factories.staff(username="pat", role=PRACTITIONER)
    PatientAccessLog.objects.create(user=reader, patient=patient, record="intake")
    PatientAccessLog.objects.create(user=None, patient=patient, record="portal", via="portal")
    factories.signed_in(client, factories.staff(username="mona", role=MANAGER))
    page = client.get(reverse("patients_staff:access_log", args=[patient.pk]))
    assert page.status_code == 200
    assert "pat" in page.text
    assert "the patient" in page.text
    export = client.get(reverse("patients_staff:access_log_export", args=[patient.pk]))
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["viewed at (UTC)", "who", "where", "what", "detail", "break-glass"]
    # Newest first: the manager's own view of the log, then the export's line is made
    # before the rows are read, so it is listed too.
    whats = [(row[1], row[3]) for row in rows[1:]]
    assert ("pat", "intake") in whats
    assert ("the patient", "portal") in whats
    assert ("mona", "access log") in whats


def test_the_export_writes_no_cell_a_spreadsheet_would_run(client, patient):
    # A search term typed by staff, and any text at all that starts with a tab or a
    # carriage return, which spreadsheets also read as the start of a formula.
    PatientAccessLog.objects.create(user=None, patient=patient, record="+x", detail="\t=1+1")
    factories.signed_in(client, factories.staff(username="mona", role=MANAGER))

    export = client.get(reverse("patients_staff:access_log_export", args=[patient.pk]))

    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert ["'+x", "'\t=1+1"] in [row[3:5] for row in rows]


def test_others_cannot_read_the_log(client, patient):
    factories.signed_in(client, factories.staff(username="pat", role=PRACTITIONER))
    assert client.get(reverse("patients_staff:access_log", args=[patient.pk])).status_code == 403
    assert client.get(admin_url(PatientAccessLog, "changelist")).status_code == 403


def test_the_log_is_append_only(admin_client, patient):
    entry = PatientAccessLog.objects.create(user=None, patient=patient, record="portal")
    entry.record = "changed"
    with pytest.raises(AccessLogAppendOnly):
        entry.save()
    with pytest.raises(AccessLogAppendOnly):
        entry.delete()
    # In the admin, superusers included: no change, no delete.
    assert (
        admin_client.post(admin_url(entry, "change", entry.pk), {"record": "x"}).status_code == 403
    )
    assert admin_client.get(admin_url(entry, "delete", entry.pk)).status_code == 403
    # And in the database, whatever the code does.
    for sql in (
        "UPDATE patients_patientaccesslog SET record = 'x'",
        "DELETE FROM patients_patientaccesslog",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert PatientAccessLog.objects.get().record == "portal"


def test_changes_are_kept_in_the_history_with_who_and_from_what(admin_client, admin_user, patient):
    data = {
        "first_name": "Charlotte",
        "last_name": patient.last_name,
        "email": patient.email,
        "phone": "+441134960000",
        "date_of_birth": "1980-05-17",
        "preferred_contact": "email",
    }
    response = admin_client.post(admin_url(patient, "change", patient.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = patient.history.latest()
    assert latest.history_user == admin_user
    change = {c.field: (c.old, c.new) for c in latest.diff_against(latest.prev_record).changes}
    assert change["first_name"] == ("Charlie", "Charlotte")
    page = admin_client.get(admin_url(patient, "history", patient.pk))
    assert "Charlotte" in page.text


def test_appointment_and_schedule_changes_are_in_the_history(clinic, patient):
    from booking.services.changes import appointment_cancel

    appointment = book(clinic, patient, at(10))
    appointment_cancel(appointment=appointment, now=NOW, by_patient=False)
    statuses = list(
        Appointment.history.filter(id=appointment.pk)
        .order_by("history_date")
        .values_list("status", flat=True)
    )
    assert statuses[0] == "confirmed"
    assert statuses[-1] != "confirmed"
    hours = clinic.alice.weekly_hours.first()
    hours.end_time = dt.time(11)
    hours.save()
    assert hours.history.latest().end_time == dt.time(11)
