"""Clinical records: one module per write path (episodes, the visit re-check, notes,
adverse events, scores, check-ins), and ``reads`` for the pages. Writes are keyword-only,
validate fully before saving, and raise ClinicalError with a message for the user."""
