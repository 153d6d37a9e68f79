"""Recalls and follow-up surveys in Chromium, axe-checked at both sizes: a patient answers
a follow-up survey on a phone and the scores join the episode; a recalled patient says
they need no other appointment; the desk reads who is due a recall."""

import datetime as dt

import pytest
from django.utils import timezone

from booking.links import recall_decline_path
from booking.models import RecallState
from booking.services.recalls import recalls_queue
from clinic.roles import RECEPTIONIST
from patients.links import follow_up_path
from patients.models import OutcomeScore, ScoreSource, SurveyState
from tests import factories
from tests.browser.visitor import sign_in
from tests.patients.surveys.conftest import discharged_course

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "desk-pass-for-tests"


def test_a_patient_answers_a_follow_up_survey_on_a_phone(make_visitor):
    clinic = factories.clinic()
    episode = discharged_course(clinic, factories.patient())
    survey = episode.surveys.get(days_after_discharge=0)
    survey.state, survey.sent_at = SurveyState.SENT, timezone.now()
    survey.save()
    phone = make_visitor(size="phone")

    page = phone.visit(follow_up_path(survey.pk))
    phone.shot("follow-up-survey")
    page.locator('input[name="q0"][value="3"]').check()
    page.locator('input[name="q1"][value="8"]').check()
    phone.click("Send")
    assert "We have your answers" in phone.text()
    scores = OutcomeScore.objects.filter(survey=survey, source=ScoreSource.FOLLOW_UP)
    assert sorted(scores.values_list("value", flat=True)) == [3, 8]


def test_a_recalled_patient_declines_and_the_desk_sees_it(make_visitor):
    clinic = factories.clinic()
    clinic.follow_up.recall_after_days = 28
    clinic.follow_up.save()
    patient = factories.patient()
    factories.episode(patient)
    factories.past_session(clinic, patient, 0)
    [recall] = recalls_queue(now=timezone.now())
    recall.state, recall.sent_at = RecallState.SENT, timezone.now() - dt.timedelta(days=1)
    recall.save()

    phone = make_visitor(size="phone")
    phone.visit(recall_decline_path(recall.pk))
    phone.shot("recall-decline")
    phone.click("I don't need another appointment")
    assert "Thank you" in phone.text()
    recall.refresh_from_db()
    assert recall.state == RecallState.DECLINED

    desk = make_visitor()
    rita = factories.staff(username="rita", role=RECEPTIONIST, password=PASSWORD)
    sign_in(desk, rita, password=PASSWORD)
    desk.click("Recalls", role="link")
    desk.shot("recalls")
    assert patient.full_name in desk.text()
    assert "Declined" in desk.text()
