"""Episodes: started from an intake whose NPRS and PSFS become the baseline (not asked
again); visits join the active episode; a new problem starts a new one; the pre-visit
link records the re-check; the calendar shows today's sessions still needing it; the
discharge summary shows what the patient may see."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from booking.models import AppointmentStatus
from booking.scheduling import calendar
from clinic.roles import PRACTITIONER
from patients.clinical import episodes, visits
from patients.clinical.errors import ClinicalError
from patients.links import PRE_VISIT_SALT, visit_token
from patients.models import EpisodeStatus, OutcomeScore, ScoreSource
from tests import factories

NOW = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def test_the_intake_scores_are_the_baseline(patient):
    intake = factories.submitted_intake(patient, at=NOW)
    intake.psfs_activity_1, intake.psfs_score_1 = "Reversing the car", 3
    intake.save()

    episode = episodes.episode_start(patient=patient, intake=intake, practitioner=None, now=NOW)
    again = episodes.episode_start(patient=patient, intake=intake, practitioner=None, now=NOW)

    assert again == episode
    baseline = {
        (s.instrument.code, s.label): s.value
        for s in OutcomeScore.objects.filter(episode=episode, source=ScoreSource.INTAKE)
    }
    assert baseline == {("nprs", ""): Decimal(4), ("psfs", "Reversing the car"): Decimal(3)}
    assert episode.complaint == intake.complaint
    assert episode.regions == ["neck"]


def test_visits_join_the_active_episode_and_a_new_problem_starts_a_new_one(clinic, patient):
    first = factories.episode(patient)
    one = visits.visit_open(appointment=factories.past_session(clinic, patient, 0), now=NOW)
    episodes.episode_discharge(episode=first, advice="Keep up the exercises", now=NOW)
    with pytest.raises(ClinicalError):
        episodes.episode_discharge(episode=first, advice="", now=NOW)

    factories.submitted_intake(patient, at=NOW + dt.timedelta(days=60))
    two = visits.visit_open(appointment=factories.past_session(clinic, patient, 10), now=NOW)

    assert one.episode == first
    assert two.episode != first
    assert two.episode.intake is not None
    assert two.episode.practitioners.get() == clinic.alice.user
    first.refresh_from_db()
    assert first.status == EpisodeStatus.DISCHARGED


def test_the_pre_visit_link_records_the_recheck_and_pain(clinic, patient):
    factories.episode(patient)
    appointment = factories.past_session(clinic, patient, 0, status=AppointmentStatus.CONFIRMED)
    url = reverse("visit_links:pre_visit", args=[visit_token(appointment.pk, salt=PRE_VISIT_SALT)])
    answers = {code: "no" for code in factories.NO_CHANGE} | {"lymphoedema": "yes", "pain_now": "6"}

    page = Client().get(url)
    response = Client().post(url, answers)

    assert page.status_code == 200
    assert patient.last_name not in page.content.decode()
    assert response.status_code == 200
    visit = appointment.visit
    assert visit.recheck_by is None
    assert visit.recheck_answers["lymphoedema"] is True
    assert visits.visit_gate(visit).needs_clearance
    assert visit.scores.get().value == 6
    forged = url.replace("/before/", "x/before/")
    assert Client().get(forged).status_code == 400


def test_the_day_calendar_marks_todays_sessions_still_needing_the_recheck(
    clinic, patient, django_assert_num_queries
):
    factories.episode(patient)
    done = factories.past_session(clinic, patient, 0, status=AppointmentStatus.CONFIRMED)
    dana = factories.patient(first_name="Dana", email="dana@example.com")
    due = factories.past_session(
        clinic, dana, 0, status=AppointmentStatus.CONFIRMED, practitioner=clinic.bob, room=1
    )
    visits.recheck_record(appointment=done, answers=factories.NO_CHANGE, by=None, now=NOW)
    day = done.start.date()
    clinic.location.refresh_from_db()

    # calendar._load (7), intake statuses (1), and the re-checks of today's sessions (1).
    with django_assert_num_queries(7 + 1 + 1):
        cal = calendar.day_calendar(location=clinic.location, day=day, now=done.start)

    flags = {block.appointment.pk: block.recheck_due for block in cal.blocks}
    assert flags == {done.pk: False, due.pk: True}
    with time_machine.travel(done.start, tick=False):
        client = Client()
        factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
        page = client.get(reverse("staff:day", args=[clinic.location.slug]) + f"?date={day}")
    assert page.content.decode().count("re-check due") == 1


def test_the_discharge_summary_shows_what_the_patient_may_see(clinic, patient):
    episode = factories.episode(patient, user=clinic.alice.user)
    factories.signed_visit(clinic, patient, 0, lot="LOT-SECRET")
    episodes.episode_discharge(episode=episode, advice="Walk daily", now=NOW)
    client = Client()
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))

    page = client.get(reverse("patients_staff:discharge_summary", args=[episode.pk]))

    text = page.content.decode()
    assert "Discharge summary" in text
    assert "Walk daily" in text
    assert "1 session of dry needling" in text
    assert "LOT-SECRET" not in text
    assert "Session 0" not in text
    assert "@media print" in Path("assets/scss/_clinical.scss").read_text()
