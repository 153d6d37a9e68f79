"""Follow-up surveys (decision 0112): planned at discharge, sent by the nightly job through
the task queue when due, answered once through a link that expires."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django_tasks_db.models import DBTaskResult

from booking.periodic import send_follow_up_surveys
from patients.clinical.surveys import SurveyClosed, survey_answer, survey_questions
from patients.links import follow_up_path
from patients.models import (
    FollowUpInterval,
    FollowUpSurvey,
    OutcomeScore,
    ScoreSource,
    SurveyState,
)
from tests import factories
from tests.patients.surveys.conftest import DISCHARGED, discharged_course

DATABASE = {"BACKEND": "django_tasks_db.DatabaseBackend"}
SITE = "https://clinic.example"


def test_discharge_plans_one_survey_per_interval(discharged):
    surveys = list(discharged.surveys.order_by("days_after_discharge"))
    assert [(s.label, s.due_at) for s in surveys] == [
        ("At discharge", DISCHARGED),
        ("6 weeks", DISCHARGED + dt.timedelta(days=42)),
        ("3 months", DISCHARGED + dt.timedelta(days=91)),
    ]
    assert {s.state for s in surveys} == {SurveyState.PLANNED}


def test_the_managers_intervals_decide(clinic, patient):
    FollowUpInterval.objects.filter(days_after_discharge=0).update(is_active=False)
    FollowUpInterval.objects.create(label="6 months", days_after_discharge=182)
    episode = discharged_course(clinic, patient)
    assert list(episode.surveys.values_list("label", flat=True)) == [
        "6 weeks",
        "3 months",
        "6 months",
    ]


def test_an_episode_without_a_patient_rated_baseline_gets_no_survey(clinic, patient):
    # Scores taken at the desk only: nothing the patient rated to ask again.
    session = factories.past_session(clinic, patient, 0)
    episode = factories.scored_course(session, 7, 4, discharged=DISCHARGED)
    assert not episode.surveys.exists()


def test_the_questions_are_the_episodes_own_measures(discharged):
    questions = [(q.instrument.code, q.label) for q in survey_questions(discharged)]
    assert questions == [("nprs", ""), ("psfs", "Turning my head to drive")]


# --- Sending ---------------------------------------------------------------------------------


@pytest.fixture
def stored_queue(settings):
    settings.TASKS = {"default": DATABASE, "deferred": DATABASE}
    settings.DEFERRED_TASK_BACKEND = "deferred"
    settings.SITE_URL = SITE


def run_queued() -> list[str]:
    rows = DBTaskResult.objects.filter(task_path__endswith="send_follow_up_survey")
    results = [row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]) for row in rows]
    rows.delete()
    return results


def test_the_nightly_job_sends_each_survey_when_due(
    discharged, patient, stored_queue, django_capture_on_commit_callbacks
):
    night = DISCHARGED + dt.timedelta(hours=15)
    with time_machine.travel(night, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_follow_up_surveys.call() == "1 queued"
        assert run_queued() == ["sent"]
        with django_capture_on_commit_callbacks(execute=True):
            assert send_follow_up_surveys.call() == "0 queued"  # the next night: nothing
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert f"{SITE}/visit/follow-up/" in message.body
    for text in (message.subject, message.body, message.alternatives[0][0]):
        assert discharged.complaint not in text
        assert "pain" not in text.lower()
    first = discharged.surveys.get(days_after_discharge=0)
    assert (first.state, first.sent_at) == (SurveyState.SENT, night)

    with time_machine.travel(DISCHARGED + dt.timedelta(days=42, hours=15), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_follow_up_surveys.call() == "1 queued"
        assert run_queued() == ["sent"]
    assert discharged.surveys.get(label="6 weeks").state == SurveyState.SENT
    assert discharged.surveys.get(label="3 months").state == SurveyState.PLANNED


def test_a_survey_for_an_archived_patient_is_not_sent(
    discharged, patient, stored_queue, django_capture_on_commit_callbacks
):
    patient.is_archived = True
    patient.save()
    with time_machine.travel(DISCHARGED + dt.timedelta(hours=15), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            send_follow_up_surveys.call()
        assert run_queued() == ["not sent: patient archived"]
    assert mail.outbox == []


# --- The page --------------------------------------------------------------------------------


def sent(survey: FollowUpSurvey, at: dt.datetime) -> str:
    survey.state, survey.sent_at = SurveyState.SENT, at
    survey.save()
    with time_machine.travel(at, tick=False):
        return follow_up_path(survey.pk)


@pytest.fixture
def link(discharged) -> tuple[FollowUpSurvey, str]:
    survey = discharged.surveys.get(days_after_discharge=42)
    return survey, sent(survey, survey.due_at)


def test_the_page_asks_each_measure_with_its_range_and_anchors(client, link):
    survey, path = link
    with time_machine.travel(survey.due_at + dt.timedelta(days=1)):
        page = client.get(path)
    assert page.status_code == 200
    assert "from 0 (no pain) to 10 (the worst pain imaginable)" in page.text
    assert "Turning my head to drive" in page.text
    assert "Stiff neck" not in page.text  # nothing of the complaint


def test_answers_join_the_episode_as_follow_up_scores_once(client, link):
    survey, path = link
    later = survey.due_at + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        done = client.post(path, {"q0": "3", "q1": "8"})
        assert done.status_code == 200
        assert "We have your answers" in done.text
        again = client.post(path, {"q0": "9", "q1": "1"})
    assert again.status_code == 410
    scores = OutcomeScore.objects.filter(survey=survey).order_by("instrument__code")
    assert [(s.instrument.code, s.label, s.value, s.source, s.recorded_at) for s in scores] == [
        ("nprs", "", Decimal(3), ScoreSource.FOLLOW_UP, later),
        ("psfs", "Turning my head to drive", Decimal(8), ScoreSource.FOLLOW_UP, later),
    ]
    survey.refresh_from_db()
    assert (survey.state, survey.answered_at) == (SurveyState.ANSWERED, later)


@pytest.mark.parametrize(
    "answers",
    [
        {"q0": "11", "q1": "5"},  # off the scale
        {"q0": "-1", "q1": "5"},
        {"q0": "3"},  # one left out
        {"q0": "three", "q1": "5"},
        {"q0": "3", "q1": "😀" * 500},
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_saved(client, link, answers):
    survey, path = link
    with time_machine.travel(survey.due_at + dt.timedelta(days=1)):
        response = client.post(path, answers)
    assert response.status_code == 400
    assert not OutcomeScore.objects.filter(survey=survey).exists()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_unknown_used_expired_and_unsent_links_look_the_same(client, link, discharged):
    survey, path = link
    unsent = discharged.surveys.get(days_after_discharge=91)
    with time_machine.travel(survey.due_at, tick=False):
        unsent_path = follow_up_path(unsent.pk)
        nobody_path = follow_up_path(999_999)
    responses = []
    with time_machine.travel(survey.due_at + dt.timedelta(days=15)):  # past 14 days
        responses.append(client.get(path))
    with time_machine.travel(survey.due_at + dt.timedelta(days=1)):
        responses.append(client.get(unsent_path))
        responses.append(client.get(nobody_path))
        responses.append(client.get(path[:-4] + "xyz/"))
    assert [r.status_code for r in responses] == [410] * 4
    # The same words each time (the page's nonce aside): nothing tells the cases apart.
    assert len({r.text.split("<main")[-1] for r in responses}) == 1


# --- Two submissions at once -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_save_one_set_of_answers(migrated_data, clinic):
    patient = factories.patient()
    episode = discharged_course(clinic, patient)
    survey = episode.surveys.get(days_after_discharge=0)
    survey.state, survey.sent_at = SurveyState.SENT, DISCHARGED
    survey.save()
    questions = survey_questions(episode)
    answers = {(q.instrument.pk, q.label): Decimal(5) for q in questions}
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            barrier.wait()
            survey_answer(survey_id=survey.pk, answers=answers, now=DISCHARGED)
            outcomes.append("saved")
        except SurveyClosed:
            outcomes.append("closed")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["closed", "saved"]
    assert OutcomeScore.objects.filter(survey=survey).count() == len(questions)


def test_the_page_is_rate_limited_per_address(client, link, monkeypatch):
    monkeypatch.setattr("patients.views.visit_links.SURVEY_POSTS_PER_IP", 0)
    survey, path = link
    with time_machine.travel(survey.due_at + dt.timedelta(days=1)):
        response = client.post(path, {"q0": "3", "q1": "8"})
    assert response.status_code == 429
    assert not OutcomeScore.objects.filter(survey=survey).exists()
