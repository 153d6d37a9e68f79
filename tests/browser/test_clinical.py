"""A practitioner's clinical pages in Chromium: an episode of care with its progress chart,
after signing in with both factors; every page passes axe at both sizes."""

import datetime as dt

import pytest

from clinic.roles import PRACTITIONER
from tests import factories
from tests.browser.visitor import BROWSER_NOW, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "clinical-pass-for-tests"


def test_an_episode_with_its_progress_chart(visitor):
    clinic = factories.clinic()
    charlie = factories.patient()
    factories.appointment(clinic, charlie, BROWSER_NOW - dt.timedelta(days=20))
    alice = factories.in_role(clinic.alice.user, PRACTITIONER)
    alice.set_password(PASSWORD)
    alice.save()
    start = BROWSER_NOW - dt.timedelta(days=21)
    episode = factories.episode(charlie, at=start, user=alice)
    for week, pain in enumerate([6, 5, 3, 2], start=1):
        factories.nprs_score(episode, pain, at=start + dt.timedelta(days=5 * week))

    sign_in(visitor, alice, password=PASSWORD)
    visitor.visit(f"/staff/episodes/{episode.pk}/")
    visitor.shot("clinical-progress-chart")
    assert visitor.page.locator("main svg").count() >= 1
