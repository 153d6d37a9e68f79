"""Card on file: publishing the cancellation terms, recording a card the patient saved
with the payment provider under one version of them, and removing it (decision 0104).

A card is recorded from the provider's word alone (its webhook, or the booking flow's
own webhook handling), never from the patient returning to our pages, and once per
payment method: the same event twice, or the booking's and the portal's paths both,
record one card."""

import datetime as dt
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from billing.models import CancellationTerms, CardSource, SavedCard
from billing.services.errors import BillingError
from billing.services.locks import lock_patient
from booking.models import BookingPolicy
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


class CardDetails(Protocol):
    """What the payment provider tells us of a saved card (billing.gateways.stripe.SavedCard
    has exactly these): its ids and what the patient recognises it by."""

    @property
    def customer(self) -> str: ...
    @property
    def payment_method(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def last4(self) -> str: ...
    @property
    def exp_month(self) -> int: ...
    @property
    def exp_year(self) -> int: ...


def cancellation_terms_publish(
    *, terms: CancellationTerms, by: "StaffUser | None", now: dt.datetime
) -> CancellationTerms:
    """Insert `terms` as the newest version and make it the current one, with the booking
    policy's cancellation window as it is now.

    `terms` may be an edited copy of an existing version (the admin's change form): it is
    saved as a new row, so the version it was loaded from, and every card saved under it,
    stays exactly as it was (the database refuses any change to a version)."""
    with transaction.atomic():
        # Serialise publishers: the version number is max + 1.
        list(CancellationTerms.objects.select_for_update().only("pk"))
        latest = CancellationTerms.objects.aggregate(latest=Max("version"))["latest"] or 0
        CancellationTerms.objects.filter(is_current=True).update(is_current=False)
        terms.pk = None
        terms._state.adding = True
        terms.version = latest + 1
        terms.window_hours = BookingPolicy.load().cancellation_window_hours
        terms.is_current = True
        terms.created_at = now
        terms.created_by = by
        try:
            terms.full_clean()
        except ValidationError as error:
            raise BillingError(" ".join(error.messages), code="invalid") from None
        terms.save()
    return terms


def card_on_file_record(
    *,
    patient: Patient,
    card: CardDetails,
    terms: CancellationTerms,
    now: dt.datetime,
    source: str = CardSource.BOOKING,
) -> SavedCard:
    """Record a card the patient saved with the provider, agreeing to `terms` (the version
    shown to them), as the one card in use: an earlier card stops being used. The same
    payment method again (a replayed webhook) answers the card recorded first, whatever
    has happened to it since; a removed card is never brought back by a replay."""
    with transaction.atomic():
        lock_patient(patient.pk)
        earlier = SavedCard.objects.filter(payment_method=card.payment_method).first()
        if earlier is not None:
            if earlier.patient_id != patient.pk:
                raise BillingError("This card was saved for another patient.", code="other_patient")
            return earlier
        SavedCard.objects.filter(patient=patient, removed_at__isnull=True).update(removed_at=now)
        saved = SavedCard(
            patient=patient,
            customer=card.customer,
            payment_method=card.payment_method,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            terms=terms,
            agreed_at=now,
            source=source,
        )
        try:
            saved.clean_fields(exclude=["patient", "terms"])
        except ValidationError as error:
            raise BillingError(" ".join(error.messages), code="invalid") from None
        saved.save()
        return saved


def card_remove(*, patient: Patient, card: SavedCard, now: dt.datetime) -> SavedCard:
    """The patient takes their card off file: from now on it is never charged. The row
    stays, as the record of what was agreed and when."""
    with transaction.atomic():
        lock_patient(patient.pk)
        locked = SavedCard.objects.select_for_update().get(pk=card.pk)
        if locked.patient_id != patient.pk:
            raise BillingError("That card is not one of yours.", code="other_patient")
        if locked.removed_at is None:
            locked.removed_at = now
            locked.save(update_fields=["removed_at"])
        return locked
