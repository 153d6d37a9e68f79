"""The episode page and the portal chart cost the same number of queries for 1 visit and
for 30."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from booking.views.portal import PORTAL_KEY
from clinic.roles import PRACTITIONER
from patients.clinical import notes
from tests import factories

# The same for every staff page: the session, the user, the second factor that verified
# the session (django-otp), the user's own permissions and their groups' permissions.
SIGNED_IN = 5
# The episode (with patient and intake); clinical_access (a care relationship or an open
# break-glass access: one query, two EXISTS); the access log insert.
EPISODE_ACCESS = 3
# episode_record: visits (with appointment, service, practitioner, note, author, signer,
# clearer), needling rows (with points), amendments (with authors), adverse events,
# treating practitioners, scores (with instruments).
EPISODE_RECORD = 6
# The score form's instrument choices.
SCORE_FORM = 1
# The portal: the session, the patient, the access-log entry; patient_episodes: episodes,
# scores; then the session's "last seen" time saved (savepoint, update, release).
PORTAL = 8


def seed(clinic, patient, visits: int):
    episode = factories.episode(patient, user=clinic.alice.user)
    for n in range(visits):
        visit = factories.signed_visit(clinic, patient, n, lot=f"LOT-{n}")
        notes.note_amend(
            note=visit.note,
            author=clinic.alice.user,
            reason="Add",
            text="More",
            now=visit.appointment.end,
        )
        at = factories.FIRST_SESSION + dt.timedelta(weeks=n, hours=1)
        factories.nprs_score(episode, max(0, 6 - n), at=at)
    return episode


@pytest.mark.parametrize("visits", [1, 30])
@pytest.mark.parametrize("reader", ["alice", "bob by break-glass"])
def test_the_episode_page_costs_the_same_for_any_number_of_visits(
    clinic, patient, visits, reader, django_assert_num_queries
):
    """For Alice, who treats Charlie, and for Bob, who opened the record by break-glass."""
    episode = seed(clinic, patient, visits)
    user = clinic.alice.user if reader == "alice" else clinic.bob.user
    client = Client()
    factories.signed_in(client, factories.in_role(user, PRACTITIONER))
    if reader != "alice":
        reason = "Covering for Alice on the phone today"
        url = reverse("patients_staff:break_glass", args=[patient.pk])
        assert client.post(url, {"reason": reason}).status_code == 302

    with django_assert_num_queries(SIGNED_IN + EPISODE_ACCESS + EPISODE_RECORD + SCORE_FORM):
        response = client.get(reverse("patients_staff:episode", args=[episode.pk]))

    assert response.status_code == 200
    record = response.context["record"]
    assert len(record.visits) == visits
    assert sum(len(v.amendments) for v in record.visits) == visits
    assert len(record.progress[0].scores) == visits + 1  # the intake's baseline, then each


@pytest.mark.parametrize("visits", [1, 30])
def test_the_portal_chart_costs_the_same_for_any_number_of_visits(
    clinic, patient, visits, django_assert_num_queries
):
    seed(clinic, patient, visits)
    client = Client()
    session = client.session
    session[PORTAL_KEY] = patient.pk
    session.save()

    with django_assert_num_queries(PORTAL):
        response = client.get(reverse("booking:portal_progress"))

    assert response.status_code == 200
    assert response.content.decode().count('class="chart-dot"') == visits + 1
