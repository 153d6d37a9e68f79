"""Saving a card from the portal: the terms shown and agreed, the provider's hosted page
(the local Stripe, over real HTTP), the signed webhook that alone records the card, and
the patient seeing and removing it; the desk's page shows it."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import CardSetup, CardSetupStatus, CardSource, SavedCard
from booking import links
from clinic.roles import RECEPTIONIST
from clinic.stripe_client import WEBHOOK_PATH
from patients.models import AccessVia, PatientAccessLog
from tests import factories
from tests.billing.cards.helpers import terms_in_force

pytestmark = pytest.mark.django_db


def signed_into_portal(patient) -> Client:
    client = Client()
    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))
    return client


def card_url(name: str = "card") -> str:
    return reverse(f"billing_portal:{name}")


def wait_for_card(patient, seconds: float = 10) -> SavedCard:
    deadline = time.monotonic() + seconds
    while (card := SavedCard.objects.filter(patient=patient).first()) is None:
        assert time.monotonic() < deadline, "the card was not recorded"
        time.sleep(0.1)
    return card


def test_a_patient_saves_a_card_agreeing_to_the_terms_shown(live_server, online_payments, patient):
    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    client = signed_into_portal(patient)
    terms = terms_in_force()  # a live server's test runs after others' flushes
    page = client.get(card_url())
    assert page.status_code == 200
    assert f"Cancellation terms (version {terms.version})" in page.text
    assert "Not coming to the appointment without cancelling: 100%" in page.text
    # Without ticking the box nothing is opened.
    refused = client.post(card_url("card_save"), {"terms_version": terms.version})
    assert refused.status_code == 400
    assert not CardSetup.objects.exists()

    answer = client.post(card_url("card_save"), {"terms_version": terms.version, "agree": "yes"})

    assert answer.status_code == 303
    hosted = answer["Location"]
    assert hosted.startswith(online_payments.url)
    back = online_payments.save_card(hosted)
    assert back.status_code == 303
    assert back.headers["Location"].endswith(f"{card_url()}?saved=1")
    card = wait_for_card(patient)
    assert (card.brand, card.last4, card.terms, card.source) == (
        "visa",
        "4242",
        terms,
        CardSource.PORTAL,
    )
    assert CardSetup.objects.get().status == CardSetupStatus.SAVED
    shown = client.get(card_url()).text
    assert "Visa ending 4242" in shown
    assert f"Cancellation terms version {terms.version}" in shown
    assert PatientAccessLog.objects.filter(
        patient=patient, via=AccessVia.PORTAL, record="portal saved card"
    ).exists()

    desk = factories.signed_in(Client(), factories.staff(username="dee", role=RECEPTIONIST))
    account = desk.get(reverse("billing_staff:account", args=[patient.pk])).text
    assert "Visa ending 4242" in account
    assert f"terms version {terms.version}" in account

    removed = client.post(card_url("card_remove"))
    assert removed.status_code == 302
    card.refresh_from_db()
    assert card.removed_at is not None
    assert "Save a card on the secure payment page" in client.get(card_url()).text


def test_terms_changed_meanwhile_are_shown_again(online_payments, patient):
    client = signed_into_portal(patient)
    answer = client.post(card_url("card_save"), {"terms_version": 99, "agree": "yes"})
    assert answer.status_code == 400
    assert "have just changed" in answer.text
    assert not CardSetup.objects.exists()


def test_a_double_click_opens_one_page(online_payments, patient):
    client = signed_into_portal(patient)
    first = client.post(card_url("card_save"), {"terms_version": 1, "agree": "yes"})
    second = client.post(card_url("card_save"), {"terms_version": 1, "agree": "yes"})
    assert first["Location"] == second["Location"]
    assert CardSetup.objects.count() == 1


def test_the_portal_card_page_needs_the_portal(client, db):
    assert client.get(card_url()).status_code == 302
    assert client.post(card_url("card_remove")).status_code == 302


def test_the_providers_event_twice_records_one_card(client, online_payments, stripe_webhooks):
    from tests.billing.online import deliver, delivery

    portal = signed_into_portal(factories.patient())
    answer = portal.post(card_url("card_save"), {"terms_version": 1, "agree": "yes"})
    online_payments.save_card(answer["Location"])
    setup = CardSetup.objects.get()
    body, signature = delivery(stripe_webhooks, "checkout.session.completed", setup.session_id)

    first = deliver(client, body, signature)
    again = deliver(client, body, signature)

    assert first.text.startswith("card ")
    assert again.text == "repeat: already received"
    assert SavedCard.objects.count() == 1
