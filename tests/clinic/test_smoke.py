from booking.models import BookingPolicy


def test_policy_defaults_come_from_settings(clinic, settings):
    policy = BookingPolicy.load()
    assert policy.slot_interval_minutes == settings.CLINIC_BOOKING_DEFAULTS["slot_interval_minutes"]
