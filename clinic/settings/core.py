"""The core of the settings: Django itself, the database, static files, security,
sessions and sign-in, the clinic's name and address, logging."""

from pathlib import Path
from urllib.parse import urlsplit

from django.utils.csp import CSP

from clinic.env import (
    debug_secret_key,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_timezone,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

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

# The clinic's name and phone, in emails, texts, pages and documents.
CLINIC_NAME = env_str("CLINIC_NAME", "Riverside Dry Needling Clinic")
CLINIC_PHONE = env_str("CLINIC_PHONE", "020 7946 0000")
PHONENUMBER_DEFAULT_REGION = env_str("CLINIC_PHONE_REGION", "GB")

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
# Failed staff sign-ins allowed per 15 minutes: for one account from one address (wrong
# passwords and wrong second-factor codes), and per address for usernames that do not
# exist (docs/decisions/0043).
CLINIC_LOGIN_FAILURES_PER_USER = env_int("CLINIC_LOGIN_FAILURES_PER_USER", 5, minimum=1)
CLINIC_LOGIN_FAILURES_PER_IP = env_int("CLINIC_LOGIN_FAILURES_PER_IP", 20, minimum=1)

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
