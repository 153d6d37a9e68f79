from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"

    def ready(self) -> None:
        from booking import signals  # noqa: PLC0415 (models must be loaded first)

        signals.connect()
