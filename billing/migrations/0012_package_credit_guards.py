"""A package's credits never go below zero, whoever writes: the database refuses a use
numbered beyond the package's sessions (with the unique (package, number) of 0007, a
package of 6 has at most uses 1 to 6), and a use is never changed or deleted (a record of
a session paid). The roles take the package capabilities (clinic.roles). Decision 0105."""

from django.db import migrations

from clinic.roles import sync_roles
from clinic.triggers import guards

POSTGRES = [
    """
    CREATE FUNCTION billing_package_credit_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            RAISE EXCEPTION 'A package credit used is never changed or deleted.'
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.number > (SELECT sessions FROM billing_package WHERE id = NEW.package_id) THEN
            RAISE EXCEPTION 'Package % has no credit %.', NEW.package_id, NEW.number
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER billing_packageuse_guard
        BEFORE INSERT OR UPDATE OR DELETE ON billing_packageuse
        FOR EACH ROW EXECUTE FUNCTION billing_package_credit_guard();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER billing_packageuse_guard ON billing_packageuse;",
    "DROP FUNCTION billing_package_credit_guard();",
]
_REFUSE = "BEGIN SELECT RAISE(ABORT, '{message}'); END;"
SQLITE = {
    "billing_packageuse_beyond": "BEFORE INSERT ON billing_packageuse "
    "WHEN NEW.number > (SELECT sessions FROM billing_package WHERE id = NEW.package_id) "
    + _REFUSE.format(message="a package has no credit beyond its sessions"),
    "billing_packageuse_update": "BEFORE UPDATE ON billing_packageuse "
    + _REFUSE.format(message="a package credit used is never changed"),
    "billing_packageuse_delete": "BEFORE DELETE ON billing_packageuse "
    + _REFUSE.format(message="a package credit used is never deleted"),
}


class Migration(migrations.Migration):
    dependencies = [("billing", "0011_packages")]

    operations = [
        guards(postgres=POSTGRES, postgres_reverse=POSTGRES_REVERSE, sqlite=SQLITE),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
