"""Passkeys in Chromium with a virtual authenticator (the browser's debugging protocol
stands in for a security key): a practitioner adds one, names it, and signs in with it
at the second step; django-otp-webauthn's scripts run under the strict CSP (a refused
script fails `Visitor.check`), and every page passes axe at both sizes."""

from urllib.parse import urlsplit

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from clinic.roles import PRACTITIONER
from tests import factories
from tests.browser.visitor import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "passkey-pass-for-tests"


@pytest.fixture
def authenticator(visitor, live_server, settings):
    """A platform authenticator that says yes by itself, and the live server's address as
    the relying party (a passkey belongs to one host)."""
    settings.OTP_WEBAUTHN_RP_ID = urlsplit(live_server.url).hostname
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    cdp = visitor.context.new_cdp_session(visitor.page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp


def test_a_practitioner_adds_a_passkey_and_signs_in_with_it(visitor, authenticator):
    alice = factories.in_role(factories.clinic().alice.user, PRACTITIONER)
    alice.set_password(PASSWORD)
    alice.save()
    sign_in(visitor, alice, password=PASSWORD)
    visitor.click("Your sign-in", role="link")
    assert "You have no passkey yet" in visitor.text()
    visitor.click("Add a passkey")  # the page reloads with the new passkey
    assert WebAuthnCredential.objects.filter(user=alice).count() == 1
    assert "Unnamed passkey" in visitor.text()
    visitor.page.fill("[name=name]", "Laptop fingerprint")
    visitor.click("Save name")
    assert "Laptop fingerprint" in visitor.text()
    visitor.shot("staff-passkeys")

    visitor.click("Sign out")
    visitor.visit("/staff/login/")
    visitor.page.fill("[name=username]", alice.get_username())
    visitor.page.fill("[name=password]", PASSWORD)
    visitor.click("Sign in")
    visitor.click("Use a passkey")
    # Signed in with both factors: the staff home, the day's calendar.
    assert urlsplit(visitor.page.url).path == "/staff/calendar/riverside/"
    assert WebAuthnCredential.objects.get(user=alice).last_used_at is not None
