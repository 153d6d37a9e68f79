from typing import override

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"

    @override
    def ready(self) -> None:
        # The clinical records' admin lives in its own module, built on patients.admin's
        # access-logged, scoped admin classes; the admin's autodiscovery finds only admin.py.
        from patients import clinical_admin  # noqa: F401, PLC0415
