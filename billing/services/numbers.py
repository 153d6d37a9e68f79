"""Gap-free numbers for issued documents (decision 0091)."""

from django.conf import settings

from billing.models import DocumentKind, DocumentSequence

PREFIX_SETTING = {
    DocumentKind.INVOICE: "CLINIC_INVOICE_PREFIX",
    DocumentKind.CREDIT_NOTE: "CLINIC_CREDIT_NOTE_PREFIX",
}


def next_number(*, kind: DocumentKind) -> str:
    """The next number of `kind` ("INV-000123"), taken under a lock on the sequence row that
    holds until the caller's transaction ends: a rolled-back issue gives the number back,
    and concurrent issues wait their turn. Call it last in the issuing transaction (after
    the patient's and invoices' locks), so the row is held as briefly as possible.
    Three queries: make the row if missing, lock it, save the number."""
    # The row exists after the first issue; making it with ON CONFLICT DO NOTHING lets
    # two first issues race without an error.
    DocumentSequence.objects.bulk_create([DocumentSequence(kind=kind)], ignore_conflicts=True)
    sequence = DocumentSequence.objects.select_for_update().get(kind=kind)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    prefix = getattr(settings, PREFIX_SETTING[kind])
    return f"{prefix}{sequence.last_number:06d}"
