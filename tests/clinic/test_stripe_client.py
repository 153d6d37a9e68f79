"""The clinic's Stripe settings, its client and webhook verification (clinic.stripe_client)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from clinic.stripe_client import (
    MAX_NETWORK_RETRIES,
    WEBHOOK_PATH,
    OnlinePaymentsOff,
    WebhookRejected,
    stripe_client,
    webhook_event,
)

WEBHOOK_SECRET = "whsec_clinic_tests"
MANAGE = Path(__file__).resolve().parents[2] / "manage.py"
STRIPE_VARIABLES = {
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "CLINIC_ONLINE_PAYMENTS",
}


@pytest.fixture
def production(tmp_path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "clinic.example",
        "DATABASE_URL": f"sqlite:///{tmp_path}/check.sqlite3",
    }


def _check(**env: str) -> subprocess.CompletedProcess:
    """`manage.py check` in a process of its own, with this environment."""
    environment = {k: v for k, v in os.environ.items() if k not in STRIPE_VARIABLES}
    return subprocess.run(
        [sys.executable, str(MANAGE), "check"],
        env=environment | env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CLINIC_ONLINE_PAYMENTS": "true"}, "STRIPE_SECRET_KEY must be set"),
        ({"STRIPE_SECRET_KEY": "sk_test_123"}, "STRIPE_WEBHOOK_SECRET must be set"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_123"}, "STRIPE_SECRET_KEY must be set"),
        ({"STRIPE_SECRET_KEY": "pk_test_123"}, "STRIPE_SECRET_KEY must start with sk_ or rk_"),
        (
            {
                "STRIPE_SECRET_KEY": "sk_test_123",
                "STRIPE_WEBHOOK_SECRET": "whsec_123",
                "STRIPE_API_BASE": "http://127.0.0.1:8001",
            },
            "STRIPE_API_BASE sends Stripe calls to a local stand-in",
        ),
    ],
)
def test_production_refuses_to_start_online_payments_half_configured(production, env, named):
    result = _check(**production, **env)

    assert result.returncode != 0
    assert named in result.stderr


def test_production_starts_with_both_keys_or_with_payments_off(production):
    keys = {"STRIPE_SECRET_KEY": "sk_live_123", "STRIPE_WEBHOOK_SECRET": "whsec_123"}
    assert _check(**production, **keys).returncode == 0
    assert _check(**production).returncode == 0
    assert _check(**production, CLINIC_ONLINE_PAYMENTS="false").returncode == 0


def test_the_demo_may_use_the_stand_in_but_never_with_a_live_key(production):
    demo = production | {
        "DEBUG": "true",
        "STRIPE_API_BASE": "http://127.0.0.1:8001",
        "STRIPE_WEBHOOK_SECRET": "whsec_demo",
    }
    assert _check(**demo, STRIPE_SECRET_KEY="sk_test_demo").returncode == 0
    live = _check(**demo, STRIPE_SECRET_KEY="sk_live_123")
    assert "A live Stripe key never goes to STRIPE_API_BASE" in live.stderr


def test_it_has_no_client_while_online_payments_are_off(settings):
    settings.CLINIC_ONLINE_PAYMENTS = False

    with pytest.raises(OnlinePaymentsOff):
        stripe_client()


def test_the_client_calls_the_configured_address_with_retries(settings, caplog):
    settings.CLINIC_ONLINE_PAYMENTS = True
    settings.STRIPE_SECRET_KEY = "sk_test_one"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    client = stripe_client()

    assert client is stripe_client()  # one client, its connections reused
    # Nothing listens there: a connection error, after the retries, not a call to Stripe.
    with pytest.raises(stripe.APIConnectionError) as error:
        client.v1.customers.retrieve("cus_1")
    assert "port=9" in str(error.value)
    retries = [r for r in caplog.records if "Initiating retry" in r.getMessage()]
    assert len(retries) == MAX_NETWORK_RETRIES == 2
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SECRET_KEY = "sk_test_two"
    assert stripe_client() is not client


def _signed(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    signature = stripe.WebhookSignature._compute_signature(
        f"{timestamp}.{payload.decode()}", secret
    )
    return f"t={timestamp},v1={signature}"


EVENT = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_test_1", "object": "checkout.session"}},
    }
).encode()


def test_a_signed_recent_event_verifies(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    event = webhook_event(payload=EVENT, signature=_signed(EVENT))

    assert (event.id, event.type, event.data.object["id"]) == (
        "evt_1",
        "checkout.session.completed",
        "cs_test_1",
    )


@pytest.mark.parametrize(
    ("payload", "signature"),
    [
        (EVENT.replace(b"cs_test_1", b"cs_test_2"), _signed(EVENT)),  # body changed
        (EVENT, _signed(EVENT, secret="whsec_someone_else")),
        (EVENT, _signed(EVENT, at=int(time.time()) - 3600)),  # an old delivery replayed
        (EVENT, None),
        (b"\xff not json", _signed(b"not json")),
    ],
)
def test_anything_else_is_rejected(settings, payload, signature):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    with pytest.raises(WebhookRejected):
        webhook_event(payload=payload, signature=signature)


def test_the_webhook_route_is_the_billing_apps():
    assert WEBHOOK_PATH == "/billing/stripe/webhook/"
