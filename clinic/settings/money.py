"""Money: the currency, invoices, gift vouchers, and online payments through Stripe."""

from django.core.exceptions import ImproperlyConfigured

from clinic.env import env_bool, env_currency, env_int, env_key, env_locale, env_str
from clinic.settings.core import CLINIC_NAME, DEBUG

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
