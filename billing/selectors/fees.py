"""Reads of the fee proposals for the desk's pages, each in one query whatever the number
of fees (decision 0104)."""

from django.db.models import OuterRef, QuerySet, Subquery

from billing.models import FeeProposal, FeeStatus, SavedCard

# Decided fees stay on the desk's list for a while, so a charge just made shows as paid.
RECENT = 30


def _with_card(fees: QuerySet[FeeProposal]) -> QuerySet[FeeProposal]:
    """Annotated with the patient's card in use now (`card_brand`, `card_last4`: None when
    there is none), the card the desk would charge."""
    in_use = SavedCard.objects.filter(patient=OuterRef("patient"), removed_at__isnull=True)
    return fees.select_related(
        "patient", "appointment__service", "appointment__location", "invoice", "decided_by"
    ).annotate(
        card_brand=Subquery(in_use.values("brand")[:1]),
        card_last4=Subquery(in_use.values("last4")[:1]),
    )


def fees_waiting() -> list[FeeProposal]:
    """Every fee waiting for the desk, oldest first (one query)."""
    return list(_with_card(FeeProposal.objects.filter(status=FeeStatus.PROPOSED)).order_by("pk"))


def fees_decided() -> list[FeeProposal]:
    """The latest fees the desk decided (one query)."""
    decided = FeeProposal.objects.exclude(status=FeeStatus.PROPOSED)
    return list(_with_card(decided).order_by("-decided_at", "-pk")[:RECENT])


def patient_fees(patient_id: int) -> list[FeeProposal]:
    """One patient's fees, newest first (one query)."""
    return list(_with_card(FeeProposal.objects.filter(patient_id=patient_id)))


def appointment_fee(appointment_id: int) -> FeeProposal | None:
    """The fee proposed for one missed or late-cancelled appointment, if any (one query)."""
    return _with_card(FeeProposal.objects.filter(appointment_id=appointment_id)).first()
