from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Models must be loaded first.
        from billing.services.packages import on_appointment_status_changed  # noqa: PLC0415
        from booking.signals import appointment_status_changed  # noqa: PLC0415

        # A completed session draws a package credit (decision 0105).
        appointment_status_changed.connect(
            on_appointment_status_changed, dispatch_uid="billing-package-credit"
        )
