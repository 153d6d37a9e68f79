from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from billing.services import deposits  # noqa: PLC0415 (models must be loaded first)
        from booking.signals import appointment_status_changed  # noqa: PLC0415

        # A cancellation in time gives back a deposit taken at online booking.
        appointment_status_changed.connect(
            deposits.appointment_status_changed, dispatch_uid="billing-deposit-give-back"
        )
