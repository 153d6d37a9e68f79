"""Signing consent stores what the browser sent only once it is fit to store: a NUL byte
in the User-Agent or an address that is not one never breaks the signature."""

import pytest
from django.test import Client
from django.urls import reverse

from clinic.headers import header_text, ip_or_none
from patients import links
from patients.models import ConsentDocument, ConsentSignature
from tests.patients.intake_posts import DETAILS, QUESTIONNAIRE, screening_post


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Mozilla/5.0\x00 (X11)", "Mozilla/5.0 (X11)"),
        ("tab\tand\r\nnewline", "tabandnewline"),
        ("\u202eright-to-left", "right-to-left"),
        ("x" * 600, "x" * 500),
    ],
)
def test_it_keeps_printable_header_text(sent, stored):
    assert header_text(sent, max_length=500) == stored


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::1"),
        ("unknown", None),
        ("", None),
        (None, None),
        ("203.0.113.9\x00", None),
    ],
)
def test_it_stores_only_real_addresses(sent, stored):
    assert ip_or_none(sent) == stored


@pytest.mark.django_db
def test_a_hostile_browser_still_signs_consent(patient):
    browser = Client(
        headers={"user-agent": "Agent\x00with\x01controls"}, REMOTE_ADDR="not-an-address"
    )
    token = links.intake_token(patient)
    browser.post(reverse("patients:intake_details", args=[token]), DETAILS)
    browser.post(reverse("patients:intake_questionnaire", args=[token]), QUESTIONNAIRE)
    browser.post(reverse("patients:intake_screening", args=[token]), screening_post())
    document = ConsentDocument.objects.get(is_active=True)

    signed = browser.post(
        reverse("patients:intake_consent", args=[token]),
        {"document": document.pk, "agree": "on", "typed_name": "Charlie Patient"},
    )

    assert signed.status_code == 302
    signature = ConsentSignature.objects.get()
    assert signature.user_agent == "Agentwithcontrols"
    assert signature.ip_address is None
