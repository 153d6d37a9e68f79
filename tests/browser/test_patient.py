"""A booked patient in Chromium, on a phone: the pre-visit forms with consent, the manage
link (move, then cancel with a confirmation) and the portal. Every page passes axe."""

import datetime as dt

import pytest

from booking import links
from booking.models import AppointmentStatus
from messaging.models import ConsentSource
from messaging.selectors import text_consent
from patients.links import intake_url
from patients.models import ConsentSignature, IntakeStatus
from tests import factories
from tests.browser.visitor import fill
from tests.patients.intake_posts import DETAILS, QUESTIONNAIRE, screening_post

pytestmark = pytest.mark.django_db(transaction=True)

WEDNESDAY_2PM = dt.datetime(2027, 1, 13, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def booked():
    clinic = factories.clinic()
    charlie = factories.patient()
    now = dt.datetime(2027, 1, 11, 10, 0, tzinfo=dt.UTC)
    return factories.book(clinic, charlie, WEDNESDAY_2PM, source="online", now=now)


def test_the_pre_visit_forms_and_consent(make_visitor, booked):
    visitor = make_visitor(size="phone")
    visitor.visit(intake_url(booked.patient))
    visitor.shot("intake-1-details")
    fill(visitor, DETAILS)
    visitor.click("Save and continue")
    fill(visitor, QUESTIONNAIRE)
    visitor.click("Save and continue")
    fill(visitor, screening_post())
    visitor.click("Save and continue")
    visitor.shot("intake-4-consent")
    fill(visitor, {"typed_name": "Charlie Patient"})
    visitor.page.locator("[name=agree]").check()
    visitor.click("Sign and send")
    visitor.shot("intake-5-done")

    signature = ConsentSignature.objects.get(patient=booked.patient)
    assert signature.typed_name == "Charlie Patient"
    assert signature.intake.status == IntakeStatus.CLEARED


def test_manage_move_and_cancel_then_the_portal(make_visitor, booked):
    visitor = make_visitor(size="phone")
    visitor.visit(f"/appointment/{links.manage_token(booked)}/")
    visitor.click("Change the time", role="link")
    visitor.shot("manage-reschedule")
    visitor.page.fill("[name=date]", "2027-01-14")
    visitor.click("Show times")
    visitor.press(visitor.page.get_by_role("button", name="15:00"))
    assert "Your appointment has moved" in visitor.text()
    booked.refresh_from_db()
    assert booked.start == WEDNESDAY_2PM + dt.timedelta(days=1, hours=1)

    visitor.click("Cancel this appointment", role="link")
    assert "What happens next" in visitor.text()
    visitor.shot("manage-cancel-confirm")
    visitor.click("Yes, cancel it")
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED

    # The portal, entered from its emailed sign-in link.
    token = links.sign_in_token(booked.patient)
    visitor.visit(f"/my/sign-in/{token}/")
    visitor.press(visitor.page.locator("main form button[type=submit]"))  # scanners only GET
    visitor.shot("portal")
    assert "Thu 14 Jan 2027, 15:00 GMT · Initial assessment and dry needling · Cancelled" in (
        visitor.text()
    )

    # The patient chooses texts: the consent history says so, from the portal.
    visitor.click("How we contact you", role="link")
    visitor.shot("portal-contact")
    visitor.page.get_by_label("Text message").check()
    visitor.click("Save")
    assert "we will contact you that way" in visitor.text()
    assert text_consent(booked.patient).latest.source == ConsentSource.PORTAL
