"""A practitioner reviews an intake that needs it, in Chromium, after signing in with both
factors; every page passes axe at both sizes."""

import datetime as dt

import pytest

from clinic.roles import PRACTITIONER
from patients.models import IntakeStatus
from tests import factories
from tests.browser.visitor import BROWSER_NOW, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "review-pass-for-tests"


def test_a_practitioner_clears_an_intake(visitor):
    clinic = factories.clinic()
    charlie = factories.patient()
    factories.appointment(clinic, charlie, BROWSER_NOW + dt.timedelta(days=2))  # Alice's patient
    intake = factories.submitted_intake(charlie, "pregnancy")
    alice = factories.in_role(clinic.alice.user, PRACTITIONER)
    alice.set_password(PASSWORD)
    alice.save()
    sign_in(visitor, alice, password=PASSWORD)
    visitor.visit("/staff/intakes/")
    visitor.shot("review-list")
    visitor.click("Review", role="link", exact=True)
    visitor.shot("review-intake")
    visitor.page.locator("[name=outcome][value=cleared]").check()
    visitor.page.locator("[name=note]").fill("Discussed; 20 weeks, no needling near the abdomen.")
    visitor.click("Record decision")
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.CLEARED
