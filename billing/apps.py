from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from billing import receivers  # noqa: PLC0415 (models must be loaded first)
        from booking.signals import appointment_status_changed  # noqa: PLC0415

        appointment_status_changed.connect(
            receivers.propose_fee, dispatch_uid="billing-propose-fee"
        )
        # A cancellation in time gives back a deposit taken at online booking.
        appointment_status_changed.connect(
            receivers.give_deposit_back, dispatch_uid="billing-deposit-give-back"
        )
        # A cancellation in time puts a voucher spent at booking back on it (decision 0106).
        appointment_status_changed.connect(
            receivers.give_voucher_back, dispatch_uid="billing-voucher-give-back"
        )
        # A completed session draws a package credit (decision 0105).
        appointment_status_changed.connect(
            receivers.draw_package_credit, dispatch_uid="billing-package-credit"
        )
