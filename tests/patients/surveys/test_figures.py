"""Follow-up answers on the progress charts and in the manager's MCID report ("still
improved at 6 weeks / 3 months"), the report still in its fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from booking.scheduling.reports import manager_report
from patients.clinical.reads import episode_record
from patients.clinical.surveys import survey_answer, survey_questions
from patients.models import Episode, FollowUpSurvey, SurveyState
from patients.selectors import StillImproved
from tests import factories
from tests.patients.surveys.conftest import DISCHARGED, discharged_course

SEPTEMBER = (dt.date(2026, 9, 1), dt.date(2026, 9, 30))


def answer(episode: Episode, label: str, *, nprs: int, psfs: int) -> FollowUpSurvey:
    survey = episode.surveys.get(label=label)
    survey.state, survey.sent_at = SurveyState.SENT, survey.due_at
    survey.save()
    values = {"nprs": Decimal(nprs), "psfs": Decimal(psfs)}
    answers = {
        (q.instrument.pk, q.label): values[q.instrument.code] for q in survey_questions(episode)
    }
    survey_answer(survey_id=survey.pk, answers=answers, now=survey.due_at + dt.timedelta(days=2))
    return survey


def test_follow_up_answers_are_marked_points_on_the_chart(clinic, patient):
    episode = discharged_course(clinic, patient)
    answer(episode, "6 weeks", nprs=3, psfs=8)
    nprs, psfs = episode_record(episode).progress
    assert [p.follow_up for p in nprs.chart.points] == [False, False, True]
    assert [p.value for p in nprs.chart.points] == [4, 2, 3]
    assert [p.follow_up for p in psfs.chart.points] == [False, True]
    html = render_to_string("patients/_progress.html", {"progress": [nprs], "prefix": "t"})
    assert html.count("chart-dot-follow-up") == 1
    assert "Follow-up survey, 6 weeks after discharge" in html


@pytest.fixture
def followed_up(clinic):
    """Baselines NPRS 4 and PSFS 3; at discharge NPRS 2 for both (the MCID reached).
    Ann: 6 weeks NPRS 2 (still), PSFS 8 (still); 3 months NPRS 3 (not: 1 point, 25 %).
    Ben: 6 weeks NPRS 4 (not), PSFS 4 (not)."""
    ann = discharged_course(clinic, factories.patient(first_name="Ann"), 0)
    ben = discharged_course(clinic, factories.patient(first_name="Ben"), 1)
    answer(ann, "6 weeks", nprs=2, psfs=8)
    answer(ann, "3 months", nprs=3, psfs=8)
    answer(ben, "6 weeks", nprs=4, psfs=4)
    return ann, ben


def test_the_report_counts_who_is_still_improved_at_each_interval(
    clinic, followed_up, django_assert_num_queries
):
    with django_assert_num_queries(9):  # as before: the scores' query joins the surveys
        report = manager_report(
            location=clinic.location, first_day=SEPTEMBER[0], last_day=SEPTEMBER[1]
        )
    nprs, psfs = sorted(report.outcomes, key=lambda s: s.instrument != "Pain score (NPRS)")
    # At discharge: the follow-up answers do not move the course's own result.
    assert (nprs.episodes, nprs.reached) == (2, 2)
    assert nprs.follow_ups == (StillImproved("6 weeks", 2, 1), StillImproved("3 months", 1, 0))
    assert nprs.follow_ups[0].share == pytest.approx(0.5)
    # PSFS had only its baseline before discharge: no course result, follow-ups only.
    assert (psfs.episodes, psfs.reached) == (0, 0)
    assert psfs.follow_ups == (StillImproved("6 weeks", 2, 1), StillImproved("3 months", 1, 1))


def test_the_report_page_and_csv_show_the_follow_ups(clinic, followed_up, client):
    manager = factories.staff(username="mona", role="Clinic manager")
    factories.signed_in(client, manager)
    query = {
        "location": clinic.location.pk,
        "first_day": SEPTEMBER[0].isoformat(),
        "last_day": SEPTEMBER[1].isoformat(),
    }
    page = client.get("/staff/reports/", query).text
    assert "Still improved after discharge" in page
    assert "<td>6 weeks</td><td>2</td><td>1</td><td>50 %</td>" in page
    csv = client.get("/staff/reports/export.csv", query).text
    assert "follow-up,Pain score (NPRS) at 3 months: still improved,0" in csv


def test_discharge_date_in_the_period_decides_not_the_answer_date(clinic, followed_up):
    october = manager_report(
        location=clinic.location, first_day=dt.date(2026, 10, 1), last_day=dt.date(2026, 12, 31)
    )
    assert october.outcomes == []
    assert DISCHARGED.date() <= SEPTEMBER[1]
