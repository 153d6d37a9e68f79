"""The database refuses to change an issued invoice or its lines, and any credit note, its
lines, payment, allocation or refund, whoever asks: a service, the admin, a shell, raw SQL.
Issuing itself is the one change of a draft that passes: the lines' figures are stored
while the invoice is still a draft, then the invoice turns issued in the same transaction.

PostgreSQL: row triggers raising restrict_violation (SQLSTATE 23001), which Django reports
as IntegrityError. SQLite (the demo): the same rules as SQLite triggers. TRUNCATE (the test
runner's flush) does not fire row triggers. Decision 0092.
"""

from django.db import migrations

from clinic.triggers import guards

# Records of what happened: appended, never changed or deleted.
RECORDS = [
    "billing_creditnote",
    "billing_creditnoteline",
    "billing_payment",
    "billing_paymentallocation",
    "billing_refund",
]

POSTGRES = [
    """
    CREATE FUNCTION billing_issued_invoice_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'issued' THEN
            RAISE EXCEPTION 'Invoice % is issued: correct it with a credit note.', OLD.number
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER billing_invoice_issued_guard
        BEFORE UPDATE OR DELETE ON billing_invoice
        FOR EACH ROW EXECUTE FUNCTION billing_issued_invoice_guard();
    """,
    """
    CREATE FUNCTION billing_issued_line_guard() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM billing_invoice
            WHERE status = 'issued' AND id IN (
                CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.invoice_id END,
                CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.invoice_id END
            )
        ) THEN
            RAISE EXCEPTION 'The lines of an issued invoice never change.'
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER billing_invoiceline_issued_guard
        BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
        FOR EACH ROW EXECUTE FUNCTION billing_issued_line_guard();
    """,
    """
    CREATE FUNCTION billing_record_guard() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% rows are never changed or deleted.', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END
    $$ LANGUAGE plpgsql;
    """,
    *(
        f"""
        CREATE TRIGGER {table}_record_guard
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION billing_record_guard();
        """
        for table in RECORDS
    ),
]
POSTGRES_REVERSE = [
    *(f"DROP TRIGGER {table}_record_guard ON {table};" for table in RECORDS),
    "DROP FUNCTION billing_record_guard();",
    "DROP TRIGGER billing_invoiceline_issued_guard ON billing_invoiceline;",
    "DROP FUNCTION billing_issued_line_guard();",
    "DROP TRIGGER billing_invoice_issued_guard ON billing_invoice;",
    "DROP FUNCTION billing_issued_invoice_guard();",
]

_ISSUED = "(SELECT status FROM billing_invoice WHERE id = {row}.invoice_id) = 'issued'"
_REFUSE = "BEGIN SELECT RAISE(ABORT, '{message}'); END;"
_NEVER = _REFUSE.format(message="issued documents and payments never change")
SQLITE = {
    "billing_invoice_issued_update": "BEFORE UPDATE ON billing_invoice "
    "WHEN OLD.status = 'issued' " + _NEVER,
    "billing_invoice_issued_delete": "BEFORE DELETE ON billing_invoice "
    "WHEN OLD.status = 'issued' " + _NEVER,
    "billing_line_issued_insert": "BEFORE INSERT ON billing_invoiceline "
    f"WHEN {_ISSUED.format(row='NEW')} " + _NEVER,
    "billing_line_issued_update": "BEFORE UPDATE ON billing_invoiceline "
    f"WHEN {_ISSUED.format(row='OLD')} OR {_ISSUED.format(row='NEW')} " + _NEVER,
    "billing_line_issued_delete": "BEFORE DELETE ON billing_invoiceline "
    f"WHEN {_ISSUED.format(row='OLD')} " + _NEVER,
    **{f"{table}_update": f"BEFORE UPDATE ON {table} " + _NEVER for table in RECORDS},
    **{f"{table}_delete": f"BEFORE DELETE ON {table} " + _NEVER for table in RECORDS},
}


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [guards(postgres=POSTGRES, postgres_reverse=POSTGRES_REVERSE, sqlite=SQLITE)]
