"""Checkout Sessions as Stripe makes them, and the hosted page's HTML, for the local
Stripe stand-in (bin/stripe_standin.py; docs/decisions/0095)."""

from __future__ import annotations

import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

# Stripe's own test cards: what each does on localstripe too.
TEST_CARDS = {
    "succeeds": ("4242424242424242", "Visa ending 4242: the payment succeeds"),
    "declined": ("4000000000000341", "Visa ending 0341: the bank declines it"),
    "authentication": ("4000002500003155", "Visa ending 3155: the bank asks to authenticate"),
    "authentication_always": (
        "4000002760003184",
        "Visa ending 3184: the bank asks to authenticate every payment",
    ),
}
# What Stripe does with each when it is saved and charged later, off-session: 4242 pays;
# 0341 saves but every charge is declined; 3155 asks once, when saved, then pays (Stripe
# lets a card set up for later skip the challenge); 3184 asks every time, so an off-session
# charge fails with authentication_required.
SET_UP_ONCE = {"authentication"}
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
        details: JSON | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: JSON = {"error": {**(details or {}), "type": kind, "message": message}}
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


def form_encode(params: JSON) -> str:
    """The reverse of parse_form: nested data in Stripe's form encoding."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}[{key}]" if prefix else str(key), item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{prefix}[{index}]", item)
        elif value is not None:
            pairs.append((prefix, str(value)))

    walk("", params)
    return urlencode(pairs)


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
    "currency",
    "line_items",
    "metadata",
    "client_reference_id",
    "customer",
    "customer_creation",
    "customer_email",
    "success_url",
    "cancel_url",
    "payment_intent_data",
    "setup_intent_data",
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


def _hash(params: JSON, name: str) -> JSON:
    value = params.get(name) or {}
    if not isinstance(value, dict):
        raise StripeError(400, f"Invalid object: {name} is a hash.", param=name)
    return value


def _customer(params: JSON) -> tuple[str | None, str | None]:
    """Who pays or saves: an existing Customer, or one Checkout makes at completion."""
    customer, creation = params.get("customer") or None, params.get("customer_creation") or None
    if customer is not None and not str(customer).startswith("cus_"):
        raise StripeError(400, f"No such customer: '{customer}'", param="customer")
    if customer and params.get("customer_email"):
        raise StripeError(
            400,
            "You may only specify one of these parameters: customer, customer_email.",
            param="customer_email",
        )
    if creation not in (None, "always", "if_required"):
        raise StripeError(400, "Invalid customer_creation.", param="customer_creation")
    if customer and creation:
        raise StripeError(
            400,
            "customer_creation can only be used when customer is not set.",
            param="customer_creation",
        )
    return customer, creation


def new_session(params: JSON, *, base_url: str, now: int) -> JSON:
    """A Checkout Session in mode=payment (take an amount, and perhaps keep the card) or
    mode=setup (keep a card, charge nothing), checked as Stripe checks it."""
    if unknown := set(params) - SESSION_PARAMS:
        raise StripeError(400, f"Received unknown parameter: {sorted(unknown)[0]}")
    mode = params.get("mode")
    if mode not in ("payment", "setup"):
        raise StripeError(400, "The stand-in supports mode=payment and mode=setup.", param="mode")
    if not str(params.get("success_url", "")).startswith(("http://", "https://")):
        raise StripeError(400, "success_url must be an http(s) address.", param="success_url")
    customer, creation = _customer(params)
    currency = str(params.get("currency", "")).lower() or None
    if currency is not None and not re.fullmatch(r"[a-z]{3}", currency):
        raise StripeError(400, "Invalid currency.", param="currency")
    session_id = random_id("cs_test_", 58)
    session: JSON = {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": None,
        "amount_total": None,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": now,
        "currency": currency,
        "customer": customer,
        "customer_creation": creation,
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": _expires_at(params.get("expires_at"), now),
        "livemode": False,
        "metadata": _metadata(params.get("metadata"), "metadata"),
        "mode": mode,
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "setup_intent": None,
        "status": "open",
        "success_url": params["success_url"],
        "url": f"{base_url}/pay/{session_id}",
        # Not part of Stripe's object: kept out of every answer by `public`.
        "_line_items": [],
        "_intent_metadata": {},
        "_setup_future_usage": None,
        "_setup_metadata": {},
        "_setup_description": None,
    }
    if mode == "setup":
        return _setup_session(session, params)
    return _payment_session(session, params)


def _payment_session(session: JSON, params: JSON) -> JSON:
    if "setup_intent_data" in params:
        raise StripeError(
            400, "setup_intent_data can only be used in setup mode.", param="setup_intent_data"
        )
    raw_items = params.get("line_items")
    if not isinstance(raw_items, list) or not raw_items:
        raise StripeError(400, "line_items is required in payment mode.", param="line_items")
    items = [_line_item(item, index) for index, item in enumerate(raw_items)]
    asked = session["currency"] or items[0]["currency"]
    currencies = {item["currency"] for item in items} | {asked}
    if len(currencies) > 1:
        raise StripeError(400, "All line items must share one currency.", param="line_items")
    total = sum(item["amount_total"] for item in items)
    if total <= 0:
        raise StripeError(400, "The total amount due must be greater than 0.", param="line_items")
    intent_data = _hash(params, "payment_intent_data")
    usage = intent_data.get("setup_future_usage") or None
    if usage not in (None, "off_session", "on_session"):
        raise StripeError(
            400,
            "Invalid setup_future_usage: off_session or on_session.",
            param="payment_intent_data[setup_future_usage]",
        )
    session.update(
        amount_subtotal=total,
        amount_total=total,
        currency=items[0]["currency"],
        _line_items=items,
        _intent_metadata=_metadata(intent_data.get("metadata"), "payment_intent_data[metadata]"),
        _setup_future_usage=usage,
    )
    return session


def _setup_session(session: JSON, params: JSON) -> JSON:
    for name in ("line_items", "payment_intent_data"):
        if name in params:
            raise StripeError(400, f"{name} cannot be used in setup mode.", param=name)
    if session["currency"] is None and "payment_method_types" not in params:
        raise StripeError(
            400,
            "currency is required in setup mode when payment_method_types is not set.",
            param="currency",
        )
    setup_data = _hash(params, "setup_intent_data")
    if unknown := set(setup_data) - {"metadata", "description"}:
        raise StripeError(
            400,
            f"Received unknown parameter: setup_intent_data[{sorted(unknown)[0]}]",
            param="setup_intent_data",
        )
    session.update(
        payment_status="no_payment_required",
        _setup_metadata=_metadata(setup_data.get("metadata"), "setup_intent_data[metadata]"),
        _setup_description=setup_data.get("description") or None,
    )
    return session


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
    "setup_authentication_failed": (
        402,
        "Your bank could not confirm this card. Choose another card.",
    ),
    "expired": (410, "This payment page has expired. Ask the clinic for a new payment link."),
    "choose": (400, "Choose a test card."),
}


def _summary(session: JSON) -> str:
    email = session["customer_email"]
    receipt = f"<p>Receipt to {html.escape(email)}</p>" if email else ""
    test = '<p class="test">Test mode: a local stand-in for Stripe. No real money moves.</p>'
    if session["mode"] == "setup":
        what = session["_setup_description"]
        return (
            f"{test}<h1>Save your card</h1>"
            + (f"<p>{html.escape(what)}</p>" if what else "")
            + "<p>Nothing is charged now. The card is kept for later payments, as agreed.</p>"
        )
    rows = "".join(
        f"<li>{html.escape(item['description'])} × {item['quantity']}: "
        f"{money(item['amount_total'], item['currency'])}</li>"
        for item in session["_line_items"]
    )
    kept = (
        "<p>Your card will be kept for later payments, as agreed.</p>"
        if session["_setup_future_usage"]
        else ""
    )
    return (
        f"{test}<h1>Pay {money(session['amount_total'], session['currency'])}</h1>"
        f"<ul>{rows}</ul>{kept}{receipt}"
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
    button = "Save card" if session["mode"] == "setup" else "Pay"
    return (
        f"{_summary(session)}{error}<form method=post><fieldset><legend>Test card</legend>"
        f"{choices}</fieldset><button>{button}</button></form>{back}"
    )


def challenge(session: JSON) -> str:
    action = html.escape(f"/pay/{session['id']}/authenticate")
    what = "card" if session["mode"] == "setup" else "payment"
    return (
        f"{_summary(session)}<h2>Your bank asks you to confirm this {what}</h2>"
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
