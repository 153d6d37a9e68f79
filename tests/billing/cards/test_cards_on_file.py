"""The cancellation terms, versioned like consent, and the card on file recorded once per
payment method under the exact version agreed."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import CancellationTerms, CardSource, FeeBasis, FeeKind, SavedCard
from billing.selectors.cards import card_in_use, current_terms
from billing.services.cards import cancellation_terms_publish, card_on_file_record, card_remove
from billing.services.errors import BillingError
from booking.models import BookingPolicy
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Card:
    """What the gateway answers about a saved card (billing.gateways.stripe.SavedCard)."""

    customer: str = "cus_1"
    payment_method: str = "pm_1"
    brand: str = "visa"
    last4: str = "4242"
    exp_month: int = 12
    exp_year: int = 2030


def test_the_first_version_is_there_from_the_start():
    terms = current_terms()
    assert terms is not None
    assert terms.version == 1
    assert terms.fee_for(FeeKind.NO_SHOW, price=Decimal("60.00")) == Decimal("60.00")
    assert terms.fee_for(FeeKind.LATE_CANCELLATION, price=Decimal("45.00")) == Decimal("22.50")


def test_publishing_an_edit_makes_a_new_version_and_keeps_the_old_one():
    BookingPolicy.load()
    BookingPolicy.objects.update(cancellation_window_hours=48)
    first = current_terms()
    assert first is not None
    first.body = "New wording."
    first.no_show_basis = FeeBasis.AMOUNT
    first.no_show_value = Decimal("30")
    second = cancellation_terms_publish(terms=first, by=None, now=NOW)
    assert second.version == 2
    assert second.window_hours == 48
    old = CancellationTerms.objects.get(version=1)
    assert old.body != "New wording."
    assert not old.is_current
    assert current_terms() == second
    assert second.fee_for(FeeKind.NO_SHOW, price=Decimal("60.00")) == Decimal("30.00")
    assert "48 hours" in second.summary()[0]


def test_the_database_refuses_to_change_or_delete_a_version():
    terms = current_terms()
    assert terms is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        CancellationTerms.objects.filter(pk=terms.pk).update(body="Quietly changed")
    with pytest.raises(IntegrityError), transaction.atomic():
        CancellationTerms.objects.filter(pk=terms.pk).update(no_show_value=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        terms.delete()
    assert CancellationTerms.objects.get(pk=terms.pk).body == terms.body


def test_a_card_is_recorded_once_under_the_terms_agreed():
    patient = factories.patient()
    terms = current_terms()
    assert terms is not None
    card = card_on_file_record(patient=patient, card=Card(), terms=terms, now=NOW)
    again = card_on_file_record(
        patient=patient, card=Card(), terms=terms, now=NOW + dt.timedelta(minutes=1)
    )
    assert again == card
    assert SavedCard.objects.count() == 1
    assert (card.brand, card.last4, card.expiry, card.terms) == ("visa", "4242", "12/2030", terms)
    assert card.source == CardSource.BOOKING
    assert card_in_use(patient.pk) == card


def test_a_new_card_replaces_the_one_in_use():
    patient = factories.patient()
    terms = current_terms()
    assert terms is not None
    old = card_on_file_record(patient=patient, card=Card(), terms=terms, now=NOW)
    new = card_on_file_record(
        patient=patient, card=Card(payment_method="pm_2", last4="4444"), terms=terms, now=NOW
    )
    old.refresh_from_db()
    assert old.removed_at == NOW
    assert card_in_use(patient.pk) == new


def test_another_patients_payment_method_is_refused():
    terms = current_terms()
    assert terms is not None
    card_on_file_record(patient=factories.patient(), card=Card(), terms=terms, now=NOW)
    with pytest.raises(BillingError):
        card_on_file_record(
            patient=factories.patient(first_name="Dana"), card=Card(), terms=terms, now=NOW
        )


def test_a_removed_card_is_not_in_use_and_a_replay_does_not_bring_it_back():
    patient = factories.patient()
    terms = current_terms()
    assert terms is not None
    card = card_on_file_record(patient=patient, card=Card(), terms=terms, now=NOW)
    card_remove(patient=patient, card=card, now=NOW)
    assert card_in_use(patient.pk) is None
    replayed = card_on_file_record(patient=patient, card=Card(), terms=terms, now=NOW)
    assert replayed.removed_at == NOW
    assert card_in_use(patient.pk) is None
