"""Card on file: publishing the cancellation terms, recording a card the patient saved
with the payment provider under one version of them, and removing it (decision 0104).

A card is recorded from the provider's word alone (its webhook, or the booking flow's
own webhook handling), never from the patient returning to our pages, and once per
payment method: the same event twice, or the booking's and the portal's paths both,
record one card."""

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from billing.gateways import stripe as gateway
from billing.models import (
    CancellationTerms,
    CardSetup,
    CardSetupStatus,
    CardSource,
    SavedCard,
)
from billing.selectors.cards import current_terms
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


# --- Saving a card from the portal ----------------------------------------------------

# Metadata on the hosted pages opened here: the webhook routes their events to this module.
CARD_SETUP_PURPOSE = "card_on_file"
# How long the hosted page stays open (Stripe's shortest is 30 minutes).
SETUP_LIFETIME = dt.timedelta(hours=1)
REUSE_MARGIN = dt.timedelta(minutes=10)


def card_setup_start(
    *,
    patient: Patient,
    terms_version: int,
    success_url: str,
    cancel_url: str,
    now: dt.datetime,
) -> CardSetup:
    """A hosted page where the patient saves a card, charged nothing, having agreed to the
    terms version they were shown (`terms_version`): if the clinic published another
    meanwhile, they are asked to read the new one first. A page still open for the same
    terms is answered again (a double click, the back button)."""
    with transaction.atomic():
        lock_patient(patient.pk)
        terms = current_terms()
        if terms is None or terms.version != terms_version:
            raise BillingError(
                "The cancellation terms have just changed: please read them again.",
                code="terms_changed",
            )
        earlier = CardSetup.objects.filter(
            patient=patient,
            terms=terms,
            status=CardSetupStatus.OPEN,
            expires_at__gt=now + REUSE_MARGIN,
        ).first()
        if earlier is not None:
            return earlier
        tries = CardSetup.objects.filter(patient=patient).count()
        try:
            page = gateway.setup_checkout_create(
                reference=f"patient-{patient.pk}",
                description=f"Card kept for {settings.CLINIC_NAME}'s cancellation terms",
                currency=settings.CLINIC_CURRENCY,
                success_url=success_url,
                cancel_url=cancel_url,
                idempotency_key=f"clinic-card-setup-{patient.pk}-{tries}",
                metadata={"purpose": CARD_SETUP_PURPOSE, "patient": str(patient.pk)},
                customer_email=patient.email or None,
                expires_at=now + SETUP_LIFETIME,
            )
        except gateway.GatewayError as error:
            raise BillingError(
                "Card payments are unavailable just now; please try again later.",
                code="gateway",
            ) from error
        return CardSetup.objects.create(
            patient=patient,
            terms=terms,
            session_id=page.session_id,
            url=page.url,
            created_at=now,
            expires_at=page.expires_at,
        )


def is_card_setup_event(session: dict[str, Any]) -> bool:
    """Whether a Checkout Session event is about a page opened here (billing.services.online
    routes it to card_setup_event)."""
    metadata = session.get("metadata") or {}
    return session.get("mode") == "setup" and metadata.get("purpose") == CARD_SETUP_PURPOSE


def card_setup_event(event_type: str, session: dict[str, Any], *, now: dt.datetime) -> str:
    """The provider's word on a portal card page: completed records the card it saved
    under the terms shown on that page; expired closes it. What happened, in words. A
    repeat finds the card recorded (card_on_file_record is idempotent)."""
    setup = (
        CardSetup.objects.select_related("patient", "terms")
        .filter(session_id=session.get("id", ""))
        .first()
    )
    if setup is None:
        return "unknown card set-up: nothing recorded"
    if event_type == "checkout.session.expired":
        CardSetup.objects.filter(pk=setup.pk, status=CardSetupStatus.OPEN).update(
            status=CardSetupStatus.EXPIRED
        )
        return "card set-up expired"
    # The event names the SetupIntent; the card's details are read from the provider.
    card = gateway.saved_card_of_session(setup.session_id)
    if card is None:
        return "no card saved on this page"
    saved = card_on_file_record(
        patient=setup.patient, card=card, terms=setup.terms, now=now, source=CardSource.PORTAL
    )
    CardSetup.objects.filter(pk=setup.pk).update(status=CardSetupStatus.SAVED, card=saved)
    return f"card {saved.pk} saved"
