from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from clinic import logs  # noqa: PLC0415  (apps are not ready at import)

        logs.redact_every_record()


class ClinicAdminConfig(admin_apps.AdminConfig):
    """The admin, on the clinic's site: staff sign in once, with their second factor."""

    default = False  # "clinic" itself is ClinicConfig
    default_site = "clinic.admin_site.ClinicAdminSite"
