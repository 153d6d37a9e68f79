"""Demo texts for the demo clinic (booking's demo_clinic command): a patient who prefers
texts, with a text in each state the desk will see, and one who chose texts but gave a
landline. The demo runs with TEXTER=console, so new texts print on the console; these
rows were never sent anywhere. Nothing when the patient has texts already (a second run)."""

import datetime as dt
import secrets

from django.conf import settings

from messaging import catalogue
from messaging.models import ConsentSource, EmailRecord, TextConsent, TextMessage, TextState
from messaging.placeholders import render_text
from patients.models import ContactMethod, Patient

# A valid UK mobile for the demo patient (the drama range 07700 900xxx fails validation);
# the console backend never sends, and the SMS stand-in treats it as any mobile.
DEMO_MOBILE = "+447400000101"


def _sid() -> str:
    return "SM" + secrets.token_hex(16)


def _body(kind: str, first_name: str, when: str, link_code: str) -> str:
    return render_text(
        kind,
        {
            "first_name": first_name,
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
            "when": when,
            "place": "Riverside",
            "practitioner": "Alice",
            "link": f"{settings.SITE_URL}/t/{link_code}",
            "minutes": str(settings.CLINIC_SIGN_IN_LINK_MINUTES),
        },
    )


def seed_texts(*, texter: Patient, landline: Patient, now: dt.datetime) -> int:
    """Texts for ``texter`` (given a mobile, texts preferred, consent at intake) in every
    state, and one not sent to ``landline`` (texts preferred, a landline number)."""
    if TextMessage.objects.filter(patient__in=[texter, landline]).exists():
        return 0
    texter.phone, texter.preferred_contact = DEMO_MOBILE, ContactMethod.SMS
    texter.save(update_fields=["phone", "preferred_contact"])
    landline.preferred_contact = ContactMethod.SMS
    landline.save(update_fields=["preferred_contact"])
    for patient in (texter, landline):
        TextConsent.objects.create(
            patient=patient, given=True, at=now - dt.timedelta(days=30), source=ConsentSource.INTAKE
        )
    name = texter.first_name
    rows = [
        # kind, days ago, state, error code, reason
        ("booked", 9, TextState.DELIVERED, "", ""),
        ("reminder", 3, TextState.DELIVERED, "", ""),
        ("rescheduled", 2, TextState.FAILED, "30003", "not delivered (provider error 30003)"),
        ("sign_in", 1, TextState.SENT, "", ""),
    ]
    made = []
    for kind, days, state, code, reason in rows:
        at = now - dt.timedelta(days=days)
        made.append(
            TextMessage(
                patient=texter,
                kind=kind,
                to=DEMO_MOBILE,
                body=_body(kind, name, f"{at + dt.timedelta(days=1):%a} 10:30", "demo2345"),
                segments=1,
                state=state,
                reason=reason,
                error_code=code,
                send_after=at,
                provider_id=_sid(),
                sent_at=at,
                delivered_at=at + dt.timedelta(seconds=4) if state == TextState.DELIVERED else None,
            )
        )
    made.append(
        TextMessage(
            patient=landline,
            kind="booked",
            to=landline.phone.as_e164,
            body=_body("booked", landline.first_name, "Thu 14:00", "demo6789"),
            state=TextState.NOT_SENT,
            reason="landline: texts need a mobile number",
            send_after=now - dt.timedelta(days=5),
        )
    )
    TextMessage.objects.bulk_create(made)
    # The emails that went beside the texts (the desk sees both on the patient page).
    EmailRecord.objects.bulk_create(
        EmailRecord(
            patient=texter,
            kind=kind,
            to=texter.email,
            subject=f"{catalogue.KINDS[kind].subject} · {settings.CLINIC_NAME}",
            at=now - dt.timedelta(days=days),
        )
        for kind, days, *_ in rows
    )
    return len(made)
