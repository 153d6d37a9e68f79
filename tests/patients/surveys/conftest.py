import datetime as dt
import importlib

import pytest
from django.apps import apps

from patients.clinical import episodes
from patients.models import Episode, Patient
from tests import factories
from tests.factories import FIRST_SESSION

STARTED = FIRST_SESSION - dt.timedelta(days=3)
DISCHARGED = FIRST_SESSION + dt.timedelta(days=1)


def rated_episode(patient: Patient, *, at: dt.datetime = STARTED) -> Episode:
    """An episode from an intake rating pain now 4 (NPRS) and one activity, "Turning my
    head to drive", 3 (PSFS): its own patient-reported baseline."""
    intake = factories.submitted_intake(patient, at=at)
    intake.psfs_activity_1 = "Turning my head to drive"
    intake.psfs_score_1 = 3
    intake.save()
    return episodes.episode_start(patient=patient, intake=intake, practitioner=None, now=at)


def discharged_course(clinic, patient: Patient, n: int = 0) -> Episode:
    """A rated episode with one completed session (its visit opened), discharged the day
    after: the follow-up surveys are planned then."""
    episode = rated_episode(patient)
    session = factories.past_session(clinic, patient, n)
    episodes.visit_open(appointment=session, now=session.start)
    factories.nprs_score(episode, 2, at=session.end)
    return episodes.episode_discharge(episode=episode, advice="", now=DISCHARGED)


@pytest.fixture
def discharged(clinic, patient) -> Episode:
    return discharged_course(clinic, patient)


@pytest.fixture
def migrated_data(transactional_db):
    """What the migrations seed (the consent text, the instruments, the follow-up
    intervals): a transactional test starts after other tests' flushes, so it is seeded
    again, as the migrations do."""
    for module, seed in (
        ("patients.migrations.0003_consent_text_and_roles", "seed_consent"),
        ("patients.migrations.0007_instruments_points_aftercare", "seed"),
        ("patients.migrations.0011_follow_up_surveys", "add_default_intervals"),
    ):
        getattr(importlib.import_module(module), seed)(apps, None)
