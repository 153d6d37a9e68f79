"""A practitioner reads a patient's clinical record on a care relationship they cannot make
up alone, or by break-glass: a reason given, logged, the manager told, for a few hours.

Charlie was treated by Alice (two signed sessions); Bob has never seen him. Everything
goes through the staff pages, as Bob, Rita at the desk, and Mona the manager would use
them."""

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from patients.models import BreakGlassAccess, PatientAccessLog
from patients.selectors import ClinicalAccess, clinical_access, in_clinical_scope
from tests import factories
from tests.factories import MONDAY, NOW, at, book

REASON = "Covering Alice's call about a reaction after Monday's session"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def treated(clinic, patient):
    """Charlie's episode, with two signed sessions with Alice, months ago."""
    episode = factories.episode(patient, user=clinic.alice.user)
    factories.signed_visit(clinic, patient, 0)
    factories.signed_visit(clinic, patient, 1)
    return episode


@pytest.fixture
def bob(clinic):
    return factories.in_role(clinic.bob.user, PRACTITIONER)


def client_for(user) -> Client:
    return factories.signed_in(Client(), user)


def episode_url(episode) -> str:
    return reverse("patients_staff:episode", args=[episode.pk])


def booking_data(clinic, patient, practitioner, time: str = "10:00") -> dict:
    return {
        "patient": patient.pk,
        "service": clinic.initial.pk,
        "practitioner": practitioner.pk,
        "date": MONDAY.isoformat(),
        "time": time,
        "room": "",
    }


def staff_book(client, clinic, patient, practitioner, time: str = "10:00") -> Appointment:
    url = reverse("staff:book", args=[clinic.location.slug])
    response = client.post(url, booking_data(clinic, patient, practitioner, time))
    assert response.status_code == 302, response.content.decode()[:500]
    return Appointment.objects.filter(patient=patient, practitioner=practitioner).latest("pk")


def break_glass(client, patient, reason: str = REASON, next_url: str = ""):
    url = reverse("patients_staff:break_glass", args=[patient.pk])
    return client.post(url, {"reason": reason, "next": next_url})


# --- The care relationship ---------------------------------------------------------------


def test_booking_and_cancelling_an_appointment_opens_no_record(clinic, patient, treated, bob):
    """The audit's finding: Bob books Charlie himself, cancels, and reads his record."""
    as_bob = client_for(bob)
    booked = staff_book(as_bob, clinic, patient, clinic.bob)
    cancel = reverse("staff:appointment_cancel", args=[booked.reference])
    assert as_bob.post(cancel, {"reason": "Booked in error"}).status_code == 302
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED

    refused = as_bob.get(episode_url(treated))

    assert refused.status_code == 403
    assert treated.complaint not in refused.text
    assert "no care relationship" in refused.text  # the way on: break-glass, not a dead end
    page = as_bob.get(reverse("patients_staff:patient", args=[patient.pk])).text
    assert "Episodes of care" not in page
    assert reverse("patients_staff:break_glass", args=[patient.pk]) in page
    assert not PatientAccessLog.objects.filter(user=bob, record="episode").exists()


def test_an_appointment_booked_by_the_desk_or_the_patient_opens_the_record(
    clinic, patient, treated, bob, dana
):
    desk = client_for(factories.staff(username="rita", role=RECEPTIONIST))
    as_bob = client_for(bob)
    assert as_bob.get(episode_url(treated)).status_code == 403

    staff_book(desk, clinic, patient, clinic.bob)

    assert as_bob.get(episode_url(treated)).status_code == 200
    # Dana booked Bob online herself: her record opens to him too.
    dana_episode = factories.episode(dana)
    assert as_bob.get(episode_url(dana_episode)).status_code == 403
    book(clinic, dana, at(14), practitioner=clinic.bob, source="online")
    assert as_bob.get(episode_url(dana_episode)).status_code == 200


def set_status(client, appointment: Appointment, action: str):
    url = reverse("staff:appointment_status", args=[appointment.reference])
    response = client.post(url, {"action": action})
    assert response.status_code == 302
    appointment.refresh_from_db()
    return appointment


def test_booking_oneself_for_today_then_checking_the_patient_in_opens_nothing(
    clinic, patient, treated, bob, time_machine
):
    """The audit's second finding: Bob books Charlie with himself for today and checks him
    in himself. Nobody else saw Charlie arrive, so it is no care relationship."""
    time_machine.move_to(at(8), tick=False)  # the morning of the day
    as_bob = client_for(bob)
    booked = staff_book(as_bob, clinic, patient, clinic.bob)
    time_machine.move_to(at(9, 55), tick=False)
    as_bob = client_for(bob)

    checked_in = set_status(as_bob, booked, "check_in")

    assert (checked_in.status, checked_in.checked_in_by) == (AppointmentStatus.CHECKED_IN, bob)
    refused = as_bob.get(episode_url(treated))
    assert refused.status_code == 403
    assert treated.complaint not in refused.text
    assert not PatientAccessLog.objects.filter(user=bob, record="episode").exists()
    # Completing the session he checked in himself changes nothing either.
    time_machine.move_to(at(11), tick=False)
    as_bob = client_for(bob)
    assert set_status(as_bob, booked, "complete").status == AppointmentStatus.COMPLETED
    assert as_bob.get(episode_url(treated)).status_code == 403


def test_booking_oneself_then_completing_after_the_start_opens_nothing(
    clinic, patient, treated, bob, time_machine
):
    """Without checking Charlie in: once the session has started Bob marks it completed."""
    as_bob = client_for(bob)
    booked = staff_book(as_bob, clinic, patient, clinic.bob)
    time_machine.move_to(at(10, 5), tick=False)
    as_bob = client_for(bob)

    completed = set_status(as_bob, booked, "complete")

    assert (completed.status, completed.checked_in_by) == (AppointmentStatus.COMPLETED, bob)
    assert as_bob.get(episode_url(treated)).status_code == 403


@pytest.mark.parametrize("action", ["check_in", "complete"])
def test_one_the_practitioner_booked_themselves_opens_once_the_desk_sees_the_patient_arrive(
    clinic, patient, treated, bob, time_machine, action
):
    """Bob books Charlie himself: nothing. Rita at the desk checks Charlie in (or closes
    the session nobody checked in): someone else saw him come, so Bob reads his record,
    and keeps it once he completes the session himself."""
    as_bob = client_for(bob)
    booked = staff_book(as_bob, clinic, patient, clinic.bob)
    assert booked.booked_by == bob
    time_machine.move_to(at(9, 55) if action == "check_in" else at(10, 5), tick=False)
    as_bob = client_for(bob)
    assert as_bob.get(episode_url(treated)).status_code == 403
    rita = factories.staff(username="rita", role=RECEPTIONIST)

    assert set_status(client_for(rita), booked, action).checked_in_by == rita

    assert as_bob.get(episode_url(treated)).status_code == 200
    if action == "check_in":
        time_machine.move_to(at(11), tick=False)
        as_bob = client_for(bob)
        assert set_status(as_bob, booked, "complete").checked_in_by == rita
        assert as_bob.get(episode_url(treated)).status_code == 200


def test_a_no_show_the_practitioner_booked_themselves_opens_nothing(
    clinic, patient, treated, bob, time_machine
):
    as_bob = client_for(bob)
    booked = staff_book(as_bob, clinic, patient, clinic.bob)
    time_machine.move_to(at(10, 20), tick=False)
    as_bob = client_for(bob)
    assert set_status(as_bob, booked, "no_show").status == AppointmentStatus.NO_SHOW

    assert as_bob.get(episode_url(treated)).status_code == 403


def test_a_course_the_practitioner_books_themselves_opens_nothing(clinic, patient, treated, bob):
    as_bob = client_for(bob)
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])
    plan = {"service": clinic.initial.pk, "practitioner": clinic.bob.pk, "sessions": 2}
    plan |= {"every_days": 7, "from_date": MONDAY.isoformat(), "weekday": 0, "time": "10:00"}
    starts = [at(10), at(10) + dt.timedelta(days=7)]
    data = {"form-TOTAL_FORMS": 2, "form-INITIAL_FORMS": 2}
    for n, start in enumerate(starts):
        data |= {
            f"form-{n}-date": start.date().isoformat(),
            f"form-{n}-time": "10:00",
            f"form-{n}-practitioner": clinic.bob.pk,
        }
    query = "?" + "&".join(f"{k}={v}" for k, v in plan.items())

    assert as_bob.post(url + query, data).status_code == 302

    sessions = Appointment.objects.filter(practitioner=clinic.bob)
    assert [a.booked_by for a in sessions] == [bob, bob]
    assert as_bob.get(episode_url(treated)).status_code == 403


def test_moving_a_colleagues_appointment_to_oneself_opens_nothing(clinic, patient, treated, bob):
    """Booked by the desk with Alice, then moved by Bob to himself: he gave it to himself."""
    desk = client_for(factories.staff(username="rita", role=RECEPTIONIST))
    booked = staff_book(desk, clinic, patient, clinic.alice)
    as_bob = client_for(bob)
    url = reverse("staff:appointment_reschedule", args=[booked.reference])
    data = {"date": MONDAY.isoformat(), "time": "10:00", "practitioner": clinic.bob.pk}

    assert as_bob.post(url, data).status_code == 302

    booked.refresh_from_db()
    assert (booked.practitioner, booked.booked_by) == (clinic.bob, bob)
    assert as_bob.get(episode_url(treated)).status_code == 403
    # The desk moving it to Bob is a real referral.
    booked_for_alice = staff_book(desk, clinic, patient, clinic.alice, time="14:00")
    url = reverse("staff:appointment_reschedule", args=[booked_for_alice.reference])
    assert desk.post(url, {**data, "time": "14:00"}).status_code == 302
    assert as_bob.get(episode_url(treated)).status_code == 200


def test_the_manager_and_the_clinics_setting_keep_reading_every_record(
    clinic, patient, treated, bob, settings
):
    mona = factories.staff(username="mona", role=MANAGER)
    assert client_for(mona).get(episode_url(treated)).status_code == 200
    settings.CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS = True
    assert client_for(bob).get(episode_url(treated)).status_code == 200
    assert not BreakGlassAccess.objects.exists()


def test_the_rule_is_one_query_and_lists_follow_it(
    clinic, patient, dana, bob, django_assert_num_queries
):
    """The selectors answer for one patient in one query, and filter a list with the same
    rule: Bob's self-booked Charlie is out, Dana (booked by the desk) is in."""
    factories.appointment(clinic, patient, at(10), practitioner=clinic.bob, booked_by=bob)
    factories.appointment(clinic, dana, at(14), practitioner=clinic.bob, source="front_desk")
    bob.has_perm("patients.view_clinical")  # the permission cache, as a page has it

    with django_assert_num_queries(1):
        assert clinical_access(bob, patient, now=NOW) is ClinicalAccess.NONE
    with django_assert_num_queries(1):
        assert clinical_access(bob, dana, now=NOW) is ClinicalAccess.CARE
    intakes = [factories.submitted_intake(patient), factories.submitted_intake(dana)]
    readable = in_clinical_scope(type(intakes[0]).objects.all(), bob, "patient", now=NOW)
    assert [i.patient for i in readable] == [dana]


# --- Break-glass -------------------------------------------------------------------------


def test_break_glass_opens_the_record_logs_every_read_and_alerts_the_manager(
    clinic, patient, treated, bob, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CLINIC_NOTIFY_EMAIL = "manager@clinic.example"
    as_bob = client_for(bob)
    url = episode_url(treated)

    with django_capture_on_commit_callbacks(execute=True):
        response = break_glass(as_bob, patient, next_url=url)

    assert response.status_code == 302
    assert response["Location"] == url
    access = BreakGlassAccess.objects.get()
    assert (access.user, access.patient, access.reason) == (bob, patient, REASON)
    assert access.expires_at == NOW + dt.timedelta(hours=settings.CLINIC_BREAK_GLASS_HOURS)
    assert as_bob.get(url).status_code == 200
    logged = PatientAccessLog.objects.filter(user=bob, patient=patient).order_by("pk")
    assert list(logged.values_list("record", "break_glass", "detail")) == [
        ("break-glass opened", True, REASON),
        ("episode", True, ""),
    ]
    [alert] = mailoutbox
    assert alert.to == ["manager@clinic.example"]
    assert "break-glass" in alert.subject
    for private in (patient.first_name, patient.last_name, treated.complaint, REASON):
        assert private not in alert.subject + alert.body
    link = re.search(r"https?://[^/]+(/\S+)", alert.body).group(1)
    assert link == reverse("patients_staff:access_log", args=[patient.pk])

    # The manager sees who, why and that it was break-glass, on the page and in the CSV.
    as_mona = client_for(factories.staff(username="mona", role=MANAGER))
    page = as_mona.get(link).text
    assert "break-glass" in page
    assert REASON.replace("'", "&#x27;") in page
    export = as_mona.get(reverse("patients_staff:access_log_export", args=[patient.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert [row[3:] for row in rows if row[1] == "bob"] == [
        ["episode", "", "yes"],
        ["break-glass opened", REASON, "yes"],
    ]


def test_break_glass_expires(clinic, patient, treated, bob, settings, time_machine):
    as_bob = client_for(bob)
    break_glass(as_bob, patient)
    hours = dt.timedelta(hours=settings.CLINIC_BREAK_GLASS_HOURS)

    time_machine.move_to(NOW + hours - dt.timedelta(minutes=1), tick=False)
    assert client_for(bob).get(episode_url(treated)).status_code == 200
    time_machine.move_to(NOW + hours, tick=False)
    assert client_for(bob).get(episode_url(treated)).status_code == 403


@pytest.mark.parametrize("reason", ["", "Just looking", "x" * 201, " " * 30])
def test_break_glass_needs_a_real_reason(clinic, patient, treated, bob, reason, mailoutbox):
    as_bob = client_for(bob)

    response = break_glass(as_bob, patient, reason=reason)

    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert not BreakGlassAccess.objects.exists()
    assert not PatientAccessLog.objects.filter(break_glass=True).exists()
    assert mailoutbox == []
    assert as_bob.get(episode_url(treated)).status_code == 403


def test_break_glass_is_post_only_and_not_for_the_desk(clinic, patient, treated, bob):
    url = reverse("patients_staff:break_glass", args=[patient.pk])
    assert client_for(bob).get(url).status_code == 405
    desk = client_for(factories.staff(username="rita", role=RECEPTIONIST))
    assert desk.post(url, {"reason": REASON}).status_code == 403
    assert not BreakGlassAccess.objects.exists()


def test_a_practitioner_who_treats_the_patient_is_sent_on_without_breaking_glass(
    clinic, patient, treated, mailoutbox
):
    as_alice = client_for(factories.in_role(clinic.alice.user, PRACTITIONER))
    url = episode_url(treated)

    response = break_glass(as_alice, patient, next_url=url)

    assert response["Location"] == url
    assert not BreakGlassAccess.objects.exists()
    assert mailoutbox == []


def test_the_refusal_offers_break_glass_on_the_intake_page_too(clinic, patient, treated, bob):
    refused = client_for(bob).get(reverse("patients_staff:intake", args=[treated.intake.pk]))

    assert refused.status_code == 403
    assert reverse("patients_staff:break_glass", args=[patient.pk]) in refused.text
    assert "needle" not in refused.text.lower()


def test_break_glass_reads_in_the_admin_are_marked_too(clinic, patient, treated, bob):
    as_bob = client_for(bob)
    intake_admin = reverse("admin:patients_intake_change", args=[treated.intake.pk])
    assert as_bob.get(intake_admin).status_code == 403

    break_glass(as_bob, patient)

    assert as_bob.get(intake_admin).status_code == 200
    read = PatientAccessLog.objects.filter(user=bob, via="admin").get()
    assert (read.record, read.break_glass) == ("intake", True)


@pytest.mark.parametrize("appointments", [1, 10])
@pytest.mark.parametrize("reader", ["alice", "bob"])
def test_the_patient_page_costs_the_same_with_or_without_care(
    clinic, patient, reader, appointments, django_assert_num_queries
):
    """Alice treats Charlie (his episodes shown); Bob does not (the break-glass form)."""
    factories.episode(patient, user=clinic.alice.user)
    for n in range(appointments):
        factories.past_session(clinic, patient, n)
    user = factories.in_role(getattr(clinic, reader).user, PRACTITIONER)
    client = client_for(user)
    url = reverse("patients_staff:patient", args=[patient.pk])

    # The session, the user, the second factor, the user's and their groups' permissions;
    # the patient; the access-log row of the page; the appointments (service, location,
    # practitioner joined); the no-show and late-cancel counts; the intake status;
    # clinical_access (one query, two EXISTS); the locations; the waitlist entries; the
    # messages panel (consent history, texts, replies, emails, the failing-number check).
    # Then, for Alice only: the access-log row of the episodes; the episodes; their scores.
    with django_assert_num_queries(5 + 8 + 5 + (3 if reader == "alice" else 0)):
        response = client.get(url)

    assert response.status_code == 200
    assert ("Episodes of care" in response.text) == (reader == "alice")
