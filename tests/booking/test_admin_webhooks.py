"""The manager registers webhooks in the admin, to public addresses only."""

import socket

import pytest
from django.urls import reverse

from booking.models import Webhook, WebhookEvent
from clinic.roles import MANAGER
from tests import factories

ADD = reverse("admin:booking_webhook_add")


@pytest.fixture
def manager(client, db, settings):
    settings.CLINIC_WEBHOOK_HTTPS_ONLY = True  # as in production
    return factories.signed_in(client, factories.staff(username="morgan", role=MANAGER))


@pytest.fixture
def public_name(monkeypatch):
    """hooks.example.com resolves to a public address (the rest as the system says)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.example.com":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("8.8.8.8", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def form(url: str) -> dict:
    return {"name": "Accounts", "url": url, "events": [WebhookEvent.APPOINTMENT_CREATED]}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://169.254.169.254/latest/meta-data/", "only to public addresses"),
        ("https://localhost:8000/admin/", "only to public addresses"),
        ("https://[::ffff:10.0.0.1]/", "only to public addresses"),
        ("http://hooks.example.com/clinic", "Use an https address"),
    ],
)
def test_it_refuses_a_url_that_is_not_public(manager, public_name, url, message):
    page = manager.post(ADD, form(url))

    assert page.status_code == 200
    assert message in " ".join(page.context["adminform"].form.errors["url"])
    assert not Webhook.objects.exists()


def test_it_saves_a_public_https_url(manager, public_name):
    page = manager.post(ADD, form("https://hooks.example.com/clinic"))

    assert page.status_code == 302
    assert Webhook.objects.get().url == "https://hooks.example.com/clinic"


def test_it_refuses_to_point_a_saved_webhook_inside(manager, public_name):
    webhook = factories.webhook(url="https://hooks.example.com/clinic")

    page = manager.post(
        reverse("admin:booking_webhook_change", args=[webhook.pk]),
        {**form("https://10.1.2.3/clinic"), "is_active": "on"},
    )

    assert page.status_code == 200
    webhook.refresh_from_db()
    assert webhook.url == "https://hooks.example.com/clinic"
