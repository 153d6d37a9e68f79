"""The desk reads patients' text replies in Chromium: the inbox from the calendar, a reply
marked handled, the patient's texts panel and consent recorded there; axe at both sizes."""

import datetime as dt

import pytest

from clinic.roles import RECEPTIONIST
from messaging.models import InboundText, ReplyAction
from messaging.selectors import opted_out
from tests import factories
from tests.browser.visitor import BROWSER_NOW, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "desk-pass-for-tests"


def test_the_desk_reads_and_handles_text_replies(visitor):
    factories.clinic()
    charlie = factories.patient()
    factories.sent_text(charlie, body="Reminder: Mon 11 Jan, 10:00 at Riverside. Reply C or X.")
    for sid, patient, body in [
        ("SM1", charlie, "Running 10 minutes late, sorry! 🙏"),
        ("SM2", None, "Hi, do you have anything on Saturday?"),
    ]:
        InboundText.objects.create(
            provider_id=sid,
            from_number=str(patient.phone) if patient else "+447700900461",
            patient=patient,
            body=body,
            received_at=BROWSER_NOW - dt.timedelta(minutes=5),
            action=ReplyAction.FOR_DESK,
        )
    rita = factories.staff(username="rita", role=RECEPTIONIST, password=PASSWORD)
    sign_in(visitor, rita, password=PASSWORD)

    visitor.visit("/staff/calendar/riverside/")
    visitor.click("Text replies 2 to read", role="link")
    visitor.shot("text-replies")
    assert "unknown number" in visitor.text()
    visitor.click("Mark handled")
    assert InboundText.objects.filter(handled_by=rita).count() == 1

    visitor.visit(f"/staff/patients/{charlie.pk}/")
    visitor.shot("patient-texts")
    assert "Reminder: Mon 11 Jan, 10:00" in visitor.text()
    visitor.click("No more texts")
    assert "opted out of texts" in visitor.text()
    assert opted_out(charlie)
