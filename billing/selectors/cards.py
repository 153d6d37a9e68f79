"""Reads of the cancellation terms and saved cards (decision 0104)."""

from billing.models import CancellationTerms, SavedCard


def current_terms() -> CancellationTerms | None:
    """The version of the cancellation terms a patient agrees to now (None before the
    clinic has published any)."""
    return CancellationTerms.objects.filter(is_current=True).first()


def card_in_use(patient_id: int) -> SavedCard | None:
    """The patient's saved card that may be charged: not removed (one at most)."""
    return (
        SavedCard.objects.select_related("terms")
        .filter(patient_id=patient_id, removed_at__isnull=True)
        .first()
    )
