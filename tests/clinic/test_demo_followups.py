"""The demo clinic's recalls and follow-up surveys: one patient due a recall, one recalled,
one declined; two discharged episodes with follow-up answers that the report counts."""

import datetime as dt

import pytest
import time_machine

from booking.models import Recall, RecallState
from booking.scheduling.reports import manager_report
from booking.selectors.recalls import due_recalls
from clinic.models import Location
from patients.clinical.reads import episode_record
from patients.models import Episode, SurveyState
from patients.selectors import StillImproved
from tests.clinic.test_demo_clinic import NOW, counts, run_demo


@pytest.mark.django_db
def test_the_demo_has_recalls_and_follow_up_answers():
    run_demo()

    [due] = due_recalls(now=NOW)
    assert due.patient.first_name == "Iris"
    states = dict(Recall.objects.values_list("patient__first_name", "state"))
    assert states == {"Jack": RecallState.SENT, "Kate": RecallState.DECLINED}

    leo = Episode.objects.get(patient__first_name="Leo")
    assert set(leo.surveys.values_list("state", flat=True)) == {SurveyState.ANSWERED}
    nprs = episode_record(leo).progress[0]
    assert sum(point.follow_up for point in nprs.chart.points) == 3

    location = leo.visits.first().appointment.location
    with time_machine.travel(NOW, tick=False):
        report = manager_report(
            location=Location.objects.get(pk=location.pk),
            first_day=NOW.date() - dt.timedelta(days=180),
            last_day=NOW.date(),
        )
    pain = next(share for share in report.outcomes if share.instrument.startswith("Pain"))
    assert StillImproved("6 weeks", 2, 2) in pain.follow_ups
    assert StillImproved("3 months", 2, 1) in pain.follow_ups


@pytest.mark.django_db
def test_a_second_run_adds_no_more():
    run_demo()
    before = counts()
    run_demo()
    assert counts() == before
    assert Recall.objects.count() == 2
