"""Booking: the policy's starting defaults, links' lifetimes, public rate limits, the
waitlist, the JSON API and outgoing webhooks."""

from clinic.env import env_bool, env_int, env_networks
from clinic.settings.core import DEBUG

# The defaults the booking policy starts from (editable in the admin).
CLINIC_BOOKING_DEFAULTS = {
    "min_notice_minutes": env_int("CLINIC_MIN_NOTICE_MINUTES", 120),
    "horizon_days": env_int("CLINIC_HORIZON_DAYS", 60, minimum=1, maximum=366),
    "slot_interval_minutes": env_int("CLINIC_SLOT_INTERVAL_MINUTES", 15, minimum=5, maximum=120),
    "cancellation_window_hours": env_int("CLINIC_CANCELLATION_WINDOW_HOURS", 24),
    "max_upcoming_online": env_int("CLINIC_MAX_UPCOMING_ONLINE", 3, minimum=1),
}

CLINIC_REMINDER_HOURS = env_int("CLINIC_REMINDER_HOURS", 24, minimum=1, maximum=24 * 14)
CLINIC_HOLD_MINUTES = env_int("CLINIC_HOLD_MINUTES", 7, minimum=1, maximum=60)
CLINIC_MANAGE_LINK_DAYS = env_int("CLINIC_MANAGE_LINK_DAYS", 90, minimum=1, maximum=400)
CLINIC_SIGN_IN_LINK_MINUTES = env_int("CLINIC_SIGN_IN_LINK_MINUTES", 30, minimum=5, maximum=1440)
# Sign-in emails: at most this many requests per address, and per IP address, an hour.
CLINIC_SIGN_IN_PER_EMAIL = env_int("CLINIC_SIGN_IN_PER_EMAIL", 5, minimum=1)
CLINIC_SIGN_IN_PER_IP = env_int("CLINIC_SIGN_IN_PER_IP", 20, minimum=1)
# Public writes allowed per hour: picking a time (a slot hold), booking, joining the
# waitlist; per address, and per email where there is one.
CLINIC_HOLDS_PER_IP = env_int("CLINIC_HOLDS_PER_IP", 30, minimum=1)
CLINIC_BOOKINGS_PER_IP = env_int("CLINIC_BOOKINGS_PER_IP", 10, minimum=1)
CLINIC_BOOKINGS_PER_EMAIL = env_int("CLINIC_BOOKINGS_PER_EMAIL", 5, minimum=1)
CLINIC_WAITLIST_PER_IP = env_int("CLINIC_WAITLIST_PER_IP", 10, minimum=1)
CLINIC_WAITLIST_PER_EMAIL = env_int("CLINIC_WAITLIST_PER_EMAIL", 3, minimum=1)
# Slot holds live at once from one address (each visitor holds one), and the most of a
# day's free times one address may hold, in percent (at least one time) (decision 0082).
CLINIC_LIVE_HOLDS_PER_IP = env_int("CLINIC_LIVE_HOLDS_PER_IP", 3, minimum=1)
CLINIC_HOLDS_DAY_SHARE = env_int("CLINIC_HOLDS_DAY_SHARE", 25, minimum=1, maximum=100)
CLINIC_WAITLIST_OFFERS = env_int("CLINIC_WAITLIST_OFFERS", 3, minimum=1, maximum=50)
# JSON API requests allowed per key per minute.
CLINIC_API_PER_MINUTE = env_int("CLINIC_API_PER_MINUTE", 120, minimum=1)
# Webhook deliveries: attempts before giving up, and the first retry's delay in seconds
# (doubling each time).
CLINIC_WEBHOOK_ATTEMPTS = env_int("CLINIC_WEBHOOK_ATTEMPTS", 5, minimum=1, maximum=20)
CLINIC_WEBHOOK_BACKOFF_SECONDS = env_int("CLINIC_WEBHOOK_BACKOFF_SECONDS", 30, minimum=0)
# One attempt's whole time budget (connect, TLS, send, answer), in seconds.
CLINIC_WEBHOOK_TIMEOUT_SECONDS = env_int(
    "CLINIC_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=60
)
# Webhooks go to public addresses only (clinic/outbound.py, decision 0075): https:// in
# production, and never loopback, private, link-local or reserved networks unless the
# operator opens one here, e.g. for a receiver on the clinic's own network.
CLINIC_WEBHOOK_HTTPS_ONLY = env_bool("CLINIC_WEBHOOK_HTTPS_ONLY", not DEBUG)
CLINIC_WEBHOOK_ALLOWED_NETWORKS = env_networks("CLINIC_WEBHOOK_ALLOWED_NETWORKS")
