"""Settings for the clinic, all read from the environment (see README, "Configuration").

One file; values are parsed strictly by clinic.env so a typo fails at start-up.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.utils.csp import CSP

from clinic.env import (
    debug_secret_key,
    env_bool,
    env_currency,
    env_int,
    env_key,
    env_list,
    env_locale,
    env_networks,
    env_str,
    env_timezone,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# In debug, a random key made once per checkout (a git-ignored file), so no two demos share
# one and nobody can forge another demo's patient links; production must set its own.
SECRET_KEY = env_str("SECRET_KEY", debug_secret_key(BASE_DIR / ".secret_key") if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    # The admin with the clinic's site: two-factor sign-in, the staff sign-in page.
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # passkeys, a second factor beside the app (decision 0073)
    "simple_history",
    "ninja",  # its docs page's JS and CSS, served by staticfiles (no CDN)
    "clinic",
    "patients",
    "booking",
    "billing",
    "messaging",
]

MIDDLEWARE = [
    # First, so its headers go on every response, redirects and errors included.
    "clinic.middleware.PrivatePagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the web process, before anything touches the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.middleware.SessionLifetimeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "clinic.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", "sqlite:///db.sqlite3"), base_dir=BASE_DIR
    )
}
# bin/test names a test database per run, so two runs on one server never collide.
if test_database := env_str("TEST_DATABASE_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": test_database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The booking pages' reads, cached in each process against the location's schedule
# version, which lives in the database: entries of an old version are never read again,
# so a per-process cache stays exact behind any number of workers (decision 0031).
# The timeout only returns memory; it is not what keeps the pages right.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "schedule": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "schedule",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True
# Stored datetimes are UTC; pages show each time in its location's zone. This zone is only
# the fallback for pages that have no location (the admin, for instance).
TIME_ZONE = env_timezone("CLINIC_TIME_ZONE", "Europe/London")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The stylesheets are compiled from assets/scss with Bootstrap's Sass source from npm into
# static/build (`npm run build`, which bin/run and bin/test run): no CDN, so the pages work
# offline and under a strict CSP.
STATICFILES_DIRS = [BASE_DIR / "static"]

# Production: `collectstatic` copies them to STATIC_ROOT with a content hash in each name,
# compressed; whitenoise serves them with a one-year immutable cache header (the name
# changes when the content does). Development serves them from their folders as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console in development, SMTP when MAILER=smtp. Django 6.1's MAILERS setting.
MAILER = env_str("MAILER", "console" if DEBUG else "smtp")
_MAILER_BACKENDS = {
    "console": "messaging.console_mail.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
if MAILER not in _MAILER_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

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
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r} must be one of {', '.join(_TASK_BACKENDS)}."
    )
if TASKS_BACKEND == "immediate" and not DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    # Immediate tasks send every email inside the request and never send a reminder.
    raise ImproperlyConfigured("TASKS_BACKEND=immediate is for development only, not production.")
TASKS = _TASK_BACKENDS[TASKS_BACKEND]
DEFERRED_TASK_BACKEND = "deferred" if "deferred" in TASKS else "default"

# Content Security Policy: everything from this origin, no inline script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Bootstrap draws form controls' icons with data: SVGs.
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/staff/"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
# A session ends after this long idle, and in any case this long after signing in
# (clinic.middleware.SessionLifetimeMiddleware); the cookie lasts no longer either.
CLINIC_IDLE_MINUTES = env_int("CLINIC_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
CLINIC_SESSION_HOURS = env_int("CLINIC_SESSION_HOURS", 10, minimum=1, maximum=24 * 7)
SESSION_COOKIE_AGE = 60 * 60 * CLINIC_SESSION_HOURS
# Browser features no page of the clinic uses, switched off for every response.
CLINIC_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# Two-factor sign-in for staff (django-otp): TOTP apps and one-time recovery codes.
OTP_TOTP_ISSUER = env_str("CLINIC_NAME", "Riverside Dry Needling Clinic")
# Each wrong code doubles the wait before the next try (1, 2, 4... seconds).
OTP_TOTP_THROTTLE_FACTOR = 1
CLINIC_RECOVERY_THROTTLE_FACTOR = 1
CLINIC_RECOVERY_CODES = 10
# Practitioners read the clinical records of the patients they treat; true lets every
# practitioner read every patient's (a small clinic sharing its patients).
CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS = env_bool("CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS", False)
# How long a break-glass access (a record opened without a care relationship, on a
# reason given) lasts: long enough for the session or call it was opened for.
CLINIC_BREAK_GLASS_HOURS = env_int("CLINIC_BREAK_GLASS_HOURS", 4, minimum=1, maximum=24)
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "clinic.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP, inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the clinic's whole domain to HTTPS for good; a choice to make
        # deliberately (SECURE_HSTS_PRELOAD=true), not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the proxy every request comes from the proxy's address; the visitor's is the last
# one the proxy appended to X-Forwarded-For (what rate limits count).
CLINIC_BEHIND_PROXY = not DEBUG and env_bool("BEHIND_TLS_PROXY", False)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Clinic-wide facts and the defaults the booking policy starts from (editable in the admin).
CLINIC_NAME = env_str("CLINIC_NAME", "Riverside Dry Needling Clinic")
CLINIC_PHONE = env_str("CLINIC_PHONE", "020 7946 0000")
# Money: an ISO 4217 code, shown in the clinic's locale (clinic.money, decision 0090).
CLINIC_CURRENCY = env_currency("CLINIC_CURRENCY", "GBP")
CLINIC_LOCALE = env_locale("CLINIC_LOCALE", "en_GB")
# Invoices and credit notes: the prefix of their gap-free numbers, and when an invoice is due.
CLINIC_INVOICE_PREFIX = env_str("CLINIC_INVOICE_PREFIX", "INV-")
CLINIC_CREDIT_NOTE_PREFIX = env_str("CLINIC_CREDIT_NOTE_PREFIX", "CN-")
CLINIC_INVOICE_DUE_DAYS = env_int("CLINIC_INVOICE_DUE_DAYS", 14, minimum=0, maximum=365)
# Gift vouchers (decision 0106): how many codes one address (or one code's first
# characters) may try in an hour. Validity and amounts are the manager's, in the admin
# (billing.VoucherTerms), not the server's.
CLINIC_VOUCHER_TRIES_PER_IP = env_int("CLINIC_VOUCHER_TRIES_PER_IP", 10, minimum=1)
# Printed on invoices, receipts and credit notes: the business's legal name (the trading
# name when unset), its company or charity registration and its VAT number (both optional:
# a clinic whose treatments are all exempt often has none).
CLINIC_LEGAL_NAME = env_str("CLINIC_LEGAL_NAME", CLINIC_NAME)
CLINIC_REGISTRATION = env_str("CLINIC_REGISTRATION", "")
CLINIC_VAT_NUMBER = env_str("CLINIC_VAT_NUMBER", "")
PHONENUMBER_DEFAULT_REGION = env_str("CLINIC_PHONE_REGION", "GB")
CLINIC_BOOKING_DEFAULTS = {
    "min_notice_minutes": env_int("CLINIC_MIN_NOTICE_MINUTES", 120),
    "horizon_days": env_int("CLINIC_HORIZON_DAYS", 60, minimum=1, maximum=366),
    "slot_interval_minutes": env_int("CLINIC_SLOT_INTERVAL_MINUTES", 15, minimum=5, maximum=120),
    "cancellation_window_hours": env_int("CLINIC_CANCELLATION_WINDOW_HOURS", 24),
    "max_upcoming_online": env_int("CLINIC_MAX_UPCOMING_ONLINE", 3, minimum=1),
}

# Patient self-service.
# Links in emails are absolute: the site's address as patients reach it.
# In development the default follows the port `bin/run` serves on (PORT).
SITE_URL = env_str(
    "SITE_URL",
    f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1, maximum=65535)}"
    if DEBUG
    else f"https://{ALLOWED_HOSTS[0]}"
    if ALLOWED_HOSTS
    else "http://testserver",
).rstrip("/")
# Passkeys (django-otp-webauthn, decision 0073) belong to the host staff reach the clinic
# at. Browsers offer none at an IP address: in development they work at localhost.
_site = urlsplit(SITE_URL)
_passkey_host = "localhost" if _site.hostname in ("127.0.0.1", "::1") else _site.hostname or ""
OTP_WEBAUTHN_RP_ID = _passkey_host
OTP_WEBAUTHN_RP_NAME = CLINIC_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    f"{_site.scheme}://{_passkey_host}" + (f":{_site.port}" if _site.port else "")
]
# A second factor only: the password, and its limiter, stay the first.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
CLINIC_REMINDER_HOURS = env_int("CLINIC_REMINDER_HOURS", 24, minimum=1, maximum=24 * 14)
CLINIC_HOLD_MINUTES = env_int("CLINIC_HOLD_MINUTES", 7, minimum=1, maximum=60)
CLINIC_MANAGE_LINK_DAYS = env_int("CLINIC_MANAGE_LINK_DAYS", 90, minimum=1, maximum=400)
CLINIC_SIGN_IN_LINK_MINUTES = env_int("CLINIC_SIGN_IN_LINK_MINUTES", 30, minimum=5, maximum=1440)
# Sign-in emails: at most this many requests per address, and per IP address, an hour.
CLINIC_SIGN_IN_PER_EMAIL = env_int("CLINIC_SIGN_IN_PER_EMAIL", 5, minimum=1)
CLINIC_SIGN_IN_PER_IP = env_int("CLINIC_SIGN_IN_PER_IP", 20, minimum=1)
# Failed staff sign-ins allowed per 15 minutes: for one account from one address (wrong
# passwords and wrong second-factor codes), and per address for usernames that do not
# exist (docs/decisions/0043).
CLINIC_LOGIN_FAILURES_PER_USER = env_int("CLINIC_LOGIN_FAILURES_PER_USER", 5, minimum=1)
CLINIC_LOGIN_FAILURES_PER_IP = env_int("CLINIC_LOGIN_FAILURES_PER_IP", 20, minimum=1)
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
# The clinic's own inbox for alerts (an intake needing review; significant and serious
# adverse events), not its sender address. No clinical details in these emails.
CLINIC_NOTIFY_EMAIL = env_str("CLINIC_NOTIFY_EMAIL", DEFAULT_FROM_EMAIL)
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

# Online payments through Stripe-hosted Checkout (clinic.stripe_client, docs/decisions/0095).
# Checkout needs the secret key only (no Stripe.js on our pages); the webhook secret
# verifies the events that record payments. On by default once either is set, so a
# half-configured clinic refuses to start instead of quietly offering no payments.
STRIPE_SECRET_KEY = env_key("STRIPE_SECRET_KEY", prefixes=("sk_", "rk_"))
STRIPE_WEBHOOK_SECRET = env_key("STRIPE_WEBHOOK_SECRET", prefixes=("whsec_",))
CLINIC_ONLINE_PAYMENTS = env_bool(
    "CLINIC_ONLINE_PAYMENTS", bool(STRIPE_SECRET_KEY or STRIPE_WEBHOOK_SECRET)
)
# The local stand-in's address (bin/stripe_standin.py), for the demo; never production's.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "").rstrip("/")
if CLINIC_ONLINE_PAYMENTS or STRIPE_API_BASE:
    from django.core.exceptions import ImproperlyConfigured

    for _name, _value, _where in (
        ("STRIPE_SECRET_KEY", STRIPE_SECRET_KEY, "Stripe's dashboard, Developers, API keys"),
        ("STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET, "the clinic's webhook endpoint there"),
    ):
        if CLINIC_ONLINE_PAYMENTS and not _value:
            raise ImproperlyConfigured(
                f"CLINIC_ONLINE_PAYMENTS is on: the environment variable {_name} must be set "
                f"({_where})."
            )
    if STRIPE_API_BASE and not DEBUG:
        raise ImproperlyConfigured(
            "STRIPE_API_BASE sends Stripe calls to a local stand-in: for development "
            "(DEBUG=true) only, never production."
        )
    if STRIPE_API_BASE and "_live_" in STRIPE_SECRET_KEY:
        raise ImproperlyConfigured("A live Stripe key never goes to STRIPE_API_BASE's stand-in.")

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
    from django.core.exceptions import ImproperlyConfigured

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
    from django.core.exceptions import ImproperlyConfigured

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

# Patients' link tokens never reach a log line: clinic.logs redacts every record as it is
# made (any logger, any handler), and the filter guards the handlers besides.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "clinic.logs.RedactTokens"}},
    "formatters": {"server": {"format": "[{asctime}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["redact_tokens"],
        },
    },
    "loggers": {
        # Django's own console and mail handlers go; its records reach the root's handler.
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        # WeasyPrint logs every step of every PDF at INFO; its warnings still show.
        "weasyprint": {"level": "WARNING"},
        # Twilio's client logs each request's headers and form (numbers, words) at INFO.
        "twilio.http_client": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
