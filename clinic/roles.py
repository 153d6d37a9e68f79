"""The staff roles of DOMAIN.md as permission sets. Data migrations create the groups from
these lists; a later change of a role is a new migration that calls sync_roles again."""

from django.contrib.auth.management import create_permissions
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

RECEPTIONIST = "Receptionist"
PRACTITIONER = "Practitioner"
MANAGER = "Clinic manager"

_FRONT_DESK = [
    "booking.view_appointment",
    "booking.add_appointment",
    "booking.change_appointment",
    "booking.view_practitioner",
    "booking.view_service",
    "booking.view_weeklyhours",
    "booking.view_extrahours",
    "booking.view_timeoff",
    "booking.view_clinicclosure",
    "booking.view_waitlistentry",
    "booking.add_waitlistentry",
    "booking.change_waitlistentry",
    "clinic.view_location",
    "clinic.view_room",
    "patients.view_patient",
    "patients.add_patient",
    "patients.change_patient",
]

ROLES: dict[str, list[str]] = {
    RECEPTIONIST: _FRONT_DESK,
    PRACTITIONER: [
        *_FRONT_DESK,
        "booking.add_weeklyhours",
        "booking.change_weeklyhours",
        "booking.delete_weeklyhours",
        "booking.add_extrahours",
        "booking.change_extrahours",
        "booking.delete_extrahours",
        "booking.add_timeoff",
        "booking.change_timeoff",
        "booking.delete_timeoff",
        # Intake answers and screening: never the front desk, who see only the status.
        "patients.view_clinical",
        "patients.review_intake",
        "patients.view_intake",
        "patients.view_screeningresult",
        "patients.view_consentsignature",
    ],
    # The manager gets every permission of the clinic's own apps.
    MANAGER: ["clinic.*", "booking.*", "patients.*", "auth.view_user", "auth.change_user"],
}


def sync_roles(apps: StateApps, _schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create or update the role groups (for use in RunPython)."""
    # Permissions are normally made after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        # create_permissions skips apps without models; the stubs want a module here.
        app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                found = found.filter(codename=codename)
            permissions.extend(found)
        group.permissions.set(permissions)
