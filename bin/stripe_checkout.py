"""Checkout Sessions as Stripe makes them, and the hosted page's HTML, for the local
Stripe stand-in (bin/stripe_standin.py; docs/decisions/0095)."""

from __future__ import annotations

import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl

# Stripe's own test cards: what each does on localstripe too.
TEST_CARDS = {
    "succeeds": ("4242424242424242", "Visa ending 4242: the payment succeeds"),
    "declined": ("4000000000000341", "Visa ending 0341: the bank declines it"),
    "authentication": ("4000002500003155", "Visa ending 3155: the bank asks to authenticate"),
}
# Stripe accepts expires_at from 30 minutes to 24 hours after creation; 24 hours by default.
EXPIRY_RANGE = (30 * 60, 24 * 60 * 60)
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd"}
SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}

JSON = dict[str, Any]


class StripeError(Exception):
    """An answer in Stripe's error format: {"error": {"type", "message", "param"}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: JSON = {"error": {"type": kind, "message": message}}
        if param:
            self.body["error"]["param"] = param


def parse_form(body: str) -> JSON:
    """Stripe's form encoding (`line_items[0][price_data][currency]=gbp`) as nested data."""
    root: JSON = {}
    try:
        for key, value in parse_qsl(body, keep_blank_values=True):
            *parents, name = re.findall(r"[^\[\]]+", key) or [key]
            node = root
            for parent in parents:
                node = node.setdefault(parent, {})
            node[name] = value
    except (AttributeError, TypeError):  # `a=1&a[b]=2`: a value and a hash at once
        raise StripeError(400, "Invalid parameters: a name is both a value and a hash.") from None
    parsed = _lists(root)
    if not isinstance(parsed, dict):
        raise StripeError(400, "Invalid parameters: names, not only indices.")
    return parsed


def _lists(node: object) -> object:
    if not isinstance(node, dict):
        return node
    items = {key: _lists(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def random_id(prefix: str, length: int = 24) -> str:
    return prefix + secrets.token_hex(length // 2)


def money(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL:
        return f"{SYMBOLS.get(currency, currency.upper() + ' ')}{amount:,}"
    return f"{SYMBOLS.get(currency, currency.upper() + ' ')}{amount / 100:,.2f}"


# Checkout Sessions ---------------------------------------------------------------------


def whole(value: object, param: str, *, minimum: int) -> int:
    if not isinstance(value, str) or not value.isdigit() or int(value) < minimum:
        raise StripeError(400, f"Invalid integer: {value!r} (at least {minimum}).", param=param)
    return int(value)


def _metadata(value: object, param: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or len(value) > 50:
        raise StripeError(400, "Metadata is up to 50 keys with string values.", param=param)
    for key, item in value.items():
        if not isinstance(item, str) or len(key) > 40 or len(item) > 500:
            raise StripeError(400, "Metadata keys: 40 characters; values: 500.", param=param)
    return dict(value)


def _line_item(item: object, index: int) -> JSON:
    param = f"line_items[{index}]"
    if not isinstance(item, dict):
        raise StripeError(400, "Each line item is price_data and a quantity.", param=param)
    price = item.get("price_data")
    if not isinstance(price, dict):
        # Saved prices (`price`) live in Stripe's catalogue; the clinic sends its own.
        raise StripeError(400, "Each line item needs price_data.", param=f"{param}[price_data]")
    product = price.get("product_data")
    if not isinstance(product, dict) or not product.get("name"):
        raise StripeError(400, "Missing product_data.name.", param=f"{param}[price_data]")
    currency = str(price.get("currency", "")).lower()
    if not re.fullmatch(r"[a-z]{3}", currency):
        raise StripeError(400, "Invalid currency.", param=f"{param}[price_data][currency]")
    unit_amount = whole(price.get("unit_amount"), f"{param}[price_data][unit_amount]", minimum=0)
    quantity = whole(item.get("quantity"), f"{param}[quantity]", minimum=1)
    return {
        "id": random_id("li_"),
        "object": "item",
        "amount_subtotal": unit_amount * quantity,
        "amount_total": unit_amount * quantity,
        "currency": currency,
        "description": product["name"],
        "quantity": quantity,
        "price": {"object": "price", "currency": currency, "unit_amount": unit_amount},
    }


SESSION_PARAMS = {
    "mode",
    "line_items",
    "metadata",
    "client_reference_id",
    "customer_email",
    "success_url",
    "cancel_url",
    "payment_intent_data",
    "expires_at",
    "payment_method_types",
    "expand",
}


def _expires_at(value: object, now: int) -> int:
    if value is None:
        return now + EXPIRY_RANGE[1]
    expires_at = whole(value, "expires_at", minimum=0)
    if not now + EXPIRY_RANGE[0] <= expires_at <= now + EXPIRY_RANGE[1]:
        raise StripeError(
            400, "expires_at must be 30 minutes to 24 hours away.", param="expires_at"
        )
    return expires_at


def new_session(params: JSON, *, base_url: str, now: int) -> JSON:
    """A Checkout Session in mode=payment, checked as Stripe checks it."""
    if unknown := set(params) - SESSION_PARAMS:
        raise StripeError(400, f"Received unknown parameter: {sorted(unknown)[0]}")
    if params.get("mode") != "payment":
        raise StripeError(400, "The stand-in supports mode=payment only.", param="mode")
    raw_items = params.get("line_items")
    if not isinstance(raw_items, list) or not raw_items:
        raise StripeError(400, "line_items is required in payment mode.", param="line_items")
    items = [_line_item(item, index) for index, item in enumerate(raw_items)]
    if len({item["currency"] for item in items}) > 1:
        raise StripeError(400, "All line items must share one currency.", param="line_items")
    if not str(params.get("success_url", "")).startswith(("http://", "https://")):
        raise StripeError(400, "success_url must be an http(s) address.", param="success_url")
    total = sum(item["amount_total"] for item in items)
    if total <= 0:
        raise StripeError(400, "The total amount due must be greater than 0.", param="line_items")
    intent_data = params.get("payment_intent_data") or {}
    session_id = random_id("cs_test_", 58)
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": now,
        "currency": items[0]["currency"],
        "customer": None,
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": _expires_at(params.get("expires_at"), now),
        "livemode": False,
        "metadata": _metadata(params.get("metadata"), "metadata"),
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "status": "open",
        "success_url": params["success_url"],
        "url": f"{base_url}/pay/{session_id}",
        # Not part of Stripe's object: kept out of every answer by `public`.
        "_line_items": items,
        "_intent_metadata": _metadata(
            intent_data.get("metadata") if isinstance(intent_data, dict) else None,
            "payment_intent_data[metadata]",
        ),
    }


def public(session: JSON) -> JSON:
    return {key: value for key, value in session.items() if not key.startswith("_")}


# The hosted page's HTML -------------------------------------------------------------------

PAGE_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
    ".test{background:#fff3cd;padding:.5rem}.error{color:#a00;font-weight:bold}"
    "label{display:block;margin:.5rem 0}button{font-size:1rem;padding:.5rem 1.5rem}"
)
MESSAGES = {
    "declined": (402, "Your card was declined. Choose another card."),
    "authentication_failed": (
        402,
        "Your bank could not confirm this payment. Choose another card.",
    ),
    "expired": (410, "This payment page has expired. Ask the clinic for a new payment link."),
    "choose": (400, "Choose a test card."),
}


def _summary(session: JSON) -> str:
    rows = "".join(
        f"<li>{html.escape(item['description'])} × {item['quantity']}: "
        f"{money(item['amount_total'], item['currency'])}</li>"
        for item in session["_line_items"]
    )
    email = session["customer_email"]
    return (
        '<p class="test">Test mode: a local stand-in for Stripe. No real money moves.</p>'
        f"<h1>Pay {money(session['amount_total'], session['currency'])}</h1><ul>{rows}</ul>"
        + (f"<p>Receipt to {html.escape(email)}</p>" if email else "")
    )


def payment_form(session: JSON, message: str) -> str:
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    if session["status"] != "open":
        return _summary(session) + error
    choices = "".join(
        f'<label><input type="radio" name="card" value="{name}" required> '
        f"{html.escape(label)} <code>{number}</code></label>"
        for name, (number, label) in TEST_CARDS.items()
    )
    cancel = session["cancel_url"]
    back = f'<p><a href="{html.escape(cancel)}">Cancel and go back</a></p>' if cancel else ""
    return (
        f"{_summary(session)}{error}<form method=post><fieldset><legend>Test card</legend>"
        f"{choices}</fieldset><button>Pay</button></form>{back}"
    )


def challenge(session: JSON) -> str:
    action = html.escape(f"/pay/{session['id']}/authenticate")
    return (
        f"{_summary(session)}<h2>Your bank asks you to confirm this payment</h2>"
        f'<form method=post action="{action}">'
        "<button name=outcome value=complete>Complete authentication</button> "
        "<button name=outcome value=fail>Fail authentication</button></form>"
    )


def page_html(content: str) -> str:
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Checkout (test)</title><style>{PAGE_STYLE}</style><body>{content}</body></html>"
    )
