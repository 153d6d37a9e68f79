"""The clinic's one way to Stripe: a configured client and webhook verification
(docs/decisions/0095).

Every call goes through stripe-python over real HTTP: to Stripe in production, to the
local stand-in (bin/stripe_standin.py) in the demo and the tests, by STRIPE_API_BASE.
"""

from functools import lru_cache

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The clinic's webhook endpoint: the billing app's route, and the address bin/run gives
# the stand-in. Stripe's dashboard points at https://<the clinic's host> + this.
WEBHOOK_PATH = "/billing/stripe/webhook/"
# A signed event older than this is refused: a captured delivery cannot be replayed later.
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe answers in well under a second; a page waiting on it gives up long before a
# patient would. Connection and read, in seconds.
TIMEOUT_SECONDS = (5.0, 20.0)
# Retries on network errors and 409/429/5xx answers; stripe-python sends every POST with
# an idempotency key, so a retried create never makes a second object.
MAX_NETWORK_RETRIES = 2


class OnlinePaymentsOff(ImproperlyConfigured):
    """Online payments are switched off (CLINIC_ONLINE_PAYMENTS): no page may offer them."""


class WebhookRejected(Exception):
    """A webhook whose signature, timestamp or body does not verify; answer it with 400."""


def stripe_client() -> stripe.StripeClient:
    """The configured client, for every Stripe call the clinic makes."""
    if not settings.CLINIC_ONLINE_PAYMENTS:
        raise OnlinePaymentsOff("Online payments are off (CLINIC_ONLINE_PAYMENTS).")
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE or stripe.DEFAULT_API_BASE)


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    # One client per key and address, so its HTTP connections are reused across requests;
    # the tests' settings changes make a new one.
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def webhook_event(*, payload: bytes, signature: str | None) -> stripe.Event:
    """The event Stripe sent, once its Stripe-Signature header verifies against
    STRIPE_WEBHOOK_SECRET and it is recent; WebhookRejected otherwise."""
    try:
        return stripe.Webhook.construct_event(
            payload,
            signature or "",
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=WEBHOOK_TOLERANCE_SECONDS,
        )
    except stripe.SignatureVerificationError as error:
        raise WebhookRejected(f"Bad Stripe signature: {error.user_message}") from error
    except ValueError as error:  # not JSON, or not UTF-8
        raise WebhookRejected("The webhook's body is not a Stripe event.") from error
