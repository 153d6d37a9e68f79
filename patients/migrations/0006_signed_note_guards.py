"""The database refuses to change a signed treatment note, its needling rows, or any
amendment, whoever asks: the service, the admin, a shell or a direct model save.

PostgreSQL: row triggers raising restrict_violation (SQLSTATE 23001), which Django
reports as IntegrityError. SQLite (the demo): the same rules as SQLite triggers, so the
demo behaves alike. TRUNCATE (the test runner's flush) does not fire row triggers.
"""

from django.db import migrations

from clinic.triggers import guards

POSTGRES = [
    """
    CREATE FUNCTION patients_signed_note_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.signed_at IS NOT NULL THEN
            RAISE EXCEPTION 'Treatment note % is signed: add an amendment instead.', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER patients_treatmentnote_signed_guard
        BEFORE UPDATE OR DELETE ON patients_treatmentnote
        FOR EACH ROW EXECUTE FUNCTION patients_signed_note_guard();
    """,
    """
    CREATE FUNCTION patients_needling_guard() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM patients_treatmentnote
            WHERE signed_at IS NOT NULL AND id IN (
                CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.note_id END,
                CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.note_id END
            )
        ) THEN
            RAISE EXCEPTION 'The needling log of a signed note cannot change.'
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER patients_needlingentry_signed_guard
        BEFORE INSERT OR UPDATE OR DELETE ON patients_needlingentry
        FOR EACH ROW EXECUTE FUNCTION patients_needling_guard();
    """,
    """
    CREATE FUNCTION patients_amendment_guard() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'Amendments are never changed or deleted.'
            USING ERRCODE = 'restrict_violation';
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER patients_noteamendment_guard
        BEFORE UPDATE OR DELETE ON patients_noteamendment
        FOR EACH ROW EXECUTE FUNCTION patients_amendment_guard();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER patients_noteamendment_guard ON patients_noteamendment;",
    "DROP FUNCTION patients_amendment_guard();",
    "DROP TRIGGER patients_needlingentry_signed_guard ON patients_needlingentry;",
    "DROP FUNCTION patients_needling_guard();",
    "DROP TRIGGER patients_treatmentnote_signed_guard ON patients_treatmentnote;",
    "DROP FUNCTION patients_signed_note_guard();",
]

_SIGNED_NOTE = "(SELECT signed_at FROM patients_treatmentnote WHERE id = {row}.note_id)"
_REFUSE = "BEGIN SELECT RAISE(ABORT, '{message}'); END;"
SQLITE = {
    "patients_note_signed_update": "BEFORE UPDATE ON patients_treatmentnote "
    "WHEN OLD.signed_at IS NOT NULL " + _REFUSE.format(message="signed notes never change"),
    "patients_note_signed_delete": "BEFORE DELETE ON patients_treatmentnote "
    "WHEN OLD.signed_at IS NOT NULL " + _REFUSE.format(message="signed notes never change"),
    "patients_needling_signed_insert": "BEFORE INSERT ON patients_needlingentry "
    f"WHEN {_SIGNED_NOTE.format(row='NEW')} IS NOT NULL "
    + _REFUSE.format(message="signed notes never change"),
    "patients_needling_signed_update": "BEFORE UPDATE ON patients_needlingentry "
    f"WHEN {_SIGNED_NOTE.format(row='OLD')} IS NOT NULL "
    f"OR {_SIGNED_NOTE.format(row='NEW')} IS NOT NULL "
    + _REFUSE.format(message="signed notes never change"),
    "patients_needling_signed_delete": "BEFORE DELETE ON patients_needlingentry "
    f"WHEN {_SIGNED_NOTE.format(row='OLD')} IS NOT NULL "
    + _REFUSE.format(message="signed notes never change"),
    "patients_amendment_update": "BEFORE UPDATE ON patients_noteamendment "
    + _REFUSE.format(message="amendments never change"),
    "patients_amendment_delete": "BEFORE DELETE ON patients_noteamendment "
    + _REFUSE.format(message="amendments never change"),
}


class Migration(migrations.Migration):
    dependencies = [("patients", "0005_episodes_notes_events_scores")]

    operations = [guards(postgres=POSTGRES, postgres_reverse=POSTGRES_REVERSE, sqlite=SQLITE)]
