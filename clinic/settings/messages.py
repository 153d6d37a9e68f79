"""Emails, the task worker that sends them, and texts (messaging/)."""

from django.core.exceptions import ImproperlyConfigured

from clinic.env import env_bool, env_int, env_key, env_str
from clinic.settings.core import DEBUG

# Email: console in development, SMTP when MAILER=smtp. Django 6.1's MAILERS setting.
MAILER = env_str("MAILER", "console" if DEBUG else "smtp")
_MAILER_BACKENDS = {
    "console": "messaging.console_mail.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
if MAILER not in _MAILER_BACKENDS:
    raise ImproperlyConfigured(f"MAILER={MAILER!r} must be one of {', '.join(_MAILER_BACKENDS)}.")
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": _MAILER_BACKENDS[MAILER]}}
if MAILER == "smtp":
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("SMTP_HOST", "localhost"),
        "port": env_int("SMTP_PORT", 587, minimum=1, maximum=65535),
        "username": env_str("SMTP_USER", ""),
        "password": env_str("SMTP_PASSWORD", ""),
        "use_tls": env_bool("SMTP_TLS", True),
        "timeout": 10,
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "appointments@clinic.example")

# Background tasks (Django's tasks framework). "database" queues them in the database for
# `manage.py db_worker` (django-tasks-db); "immediate" runs them at once, for tests. The
# immediate backend cannot run a task later, so there reminders go to a recording backend
# ("deferred") and the tests play the worker's part.
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    "immediate": {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
        "deferred": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"},
    },
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r} must be one of {', '.join(_TASK_BACKENDS)}."
    )
if TASKS_BACKEND == "immediate" and not DEBUG:
    # Immediate tasks send every email inside the request and never send a reminder.
    raise ImproperlyConfigured("TASKS_BACKEND=immediate is for development only, not production.")
TASKS = _TASK_BACKENDS[TASKS_BACKEND]
DEFERRED_TASK_BACKEND = "deferred" if "deferred" in TASKS else "default"

# The clinic's own inbox for alerts (an intake needing review; significant and serious
# adverse events), not its sender address. No clinical details in these emails.
CLINIC_NOTIFY_EMAIL = env_str("CLINIC_NOTIFY_EMAIL", DEFAULT_FROM_EMAIL)

# Texts (SMS) to patients (messaging/, decisions 0107-0108): a channel shaped like
# MAILERS. Console in development, local memory in tests, Twilio in production once its
# keys are set ("off" sends none). TWILIO_API_BASE points the real client at a local
# stand-in (bin/sms_standin.py): for development and tests only.
TEXTER = env_str("TEXTER", "console" if DEBUG else "off")
_TEXTER_BACKENDS = {
    "console": "messaging.backends.console.TextBackend",
    "locmem": "messaging.backends.locmem.TextBackend",
    "twilio": "messaging.backends.twilio.TextBackend",
}
if TEXTER != "off" and TEXTER not in _TEXTER_BACKENDS:
    raise ImproperlyConfigured(
        f"TEXTER={TEXTER!r} must be one of {', '.join(_TEXTER_BACKENDS)} or off."
    )
TEXTERS: dict[str, dict[str, object]] = (
    {} if TEXTER == "off" else {"default": {"BACKEND": _TEXTER_BACKENDS[TEXTER]}}
)
TWILIO_ACCOUNT_SID = env_key("TWILIO_ACCOUNT_SID", prefixes=("AC",))
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
# The clinic's sending number (E.164) or a Twilio messaging service (MG...).
TWILIO_FROM = env_str("TWILIO_FROM", "")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "").rstrip("/")
if TEXTER == "twilio":
    for _name, _value in (
        ("TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN),
        ("TWILIO_FROM", TWILIO_FROM),
    ):
        if not _value:
            raise ImproperlyConfigured(
                f"TEXTER=twilio: the environment variable {_name} must be set (Twilio's "
                "console, Account info and Phone numbers)."
            )
    if TWILIO_API_BASE and not DEBUG:
        raise ImproperlyConfigured(
            "TWILIO_API_BASE sends texts to a local stand-in: for development and tests only."
        )
