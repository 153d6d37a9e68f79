"""Passkeys (clinic/passkeys.py, django-otp-webauthn): what can be shown without a real
authenticator. The options each ceremony starts with and who may ask for them, the page
where a staff member lists, names and removes their own, the sign-in's offer, the CSP,
and the admin. Signing with a key needs a browser and an authenticator: not here."""

import base64
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from clinic import twofactor
from clinic.models import RateLimitHit, RecoveryCodes
from clinic.roles import MANAGER, PRACTITIONER
from tests import factories

PASSWORD = "a long staff passphrase"
PAGE = reverse("account:passkeys")
REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REGISTER_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")
VERIFY = reverse("two_factor:verify")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def post_json(client, url, data=None, **extra):
    return client.post(url, data or {}, content_type="application/json", **extra)


@pytest.fixture
def alice(clinic):
    user = factories.in_role(clinic.alice.user, PRACTITIONER)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def password_only(client, alice):
    """Alice at the second step: her password accepted, her app set up, no code yet."""
    TOTPDevice.objects.create(user=alice, name="Phone", confirmed=True)
    client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    return client


# --- The page ------------------------------------------------------------------------------


def test_the_page_lists_ones_own_passkeys_only(client, clinic, alice):
    factories.passkey(user=alice, name="Blue key")
    factories.passkey(user=alice, name="")
    factories.passkey(user=clinic.bob.user, name="Bob's key")
    factories.signed_in(client, alice)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Blue key" in page.text
    assert "Unnamed passkey" in page.text
    assert "Bob" not in page.text
    assert 'id="passkey-register-button"' in page.text


def test_the_page_needs_both_factors(client, password_only, alice):
    response = password_only.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    codes = password_only.post(reverse("account:recovery_codes_new"))
    assert codes.url.startswith(VERIFY)
    assert not RecoveryCodes.objects.filter(user=alice).exists()


def test_new_recovery_codes_replace_the_old_ones(client, alice, settings):
    settings.CLINIC_RECOVERY_THROTTLE_FACTOR = 0  # the old code and the new, back to back
    old = twofactor.issue_recovery_codes(alice)
    factories.signed_in(client, alice)
    assert f"You have {settings.CLINIC_RECOVERY_CODES} left" in client.get(PAGE).text
    url = reverse("account:recovery_codes_new")
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    assert "earlier recovery codes no longer work" in response.text
    new = response.context["codes"]
    assert len(set(new)) == settings.CLINIC_RECOVERY_CODES
    assert all(code in response.text for code in new)
    assert not set(old) & set(new)
    for code, expected in ((old[0], 400), (new[0], 302)):
        client.post(reverse("logout"))
        client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
        assert client.post(VERIFY, {"code": code}).status_code == expected
    assert f"You have {settings.CLINIC_RECOVERY_CODES - 1} left" in client.get(PAGE).text


def test_the_page_keeps_the_strict_csp(client, alice, settings):
    factories.passkey(user=alice, name="Blue key")
    factories.signed_in(client, alice)
    page = client.get(PAGE)
    policy = page["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script_src[0] == "'self'"
    assert all(source.startswith(("'self'", "'nonce-")) for source in script_src)
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, re.S)
    assert len(scripts) == 4  # the library's settings, its catalog and script, ours
    for attributes, body in scripts:
        if 'type="application/json"' in attributes:
            continue  # data for the library's script, never run
        src = re.search(r'src="([^"]+)"', attributes)
        assert src, attributes
        assert src.group(1).startswith("/"), src.group(1)  # our own origin
        assert not body.strip()
    assert not re.search(r"\son[a-z]+=", page.text)  # no inline event handler
    srcs = [re.search(r'src="([^"]+)"', a).group(1) for a, _ in scripts if "src=" in a]
    for src in srcs:  # each is there: a static file of ours, or the library's catalog
        if src.startswith(settings.STATIC_URL):
            assert finders.find(src.removeprefix(settings.STATIC_URL)), src
        else:
            assert client.get(src).status_code == 200, src


def test_a_staff_member_names_their_own_passkey(client, alice):
    own = factories.passkey(user=alice)
    factories.signed_in(client, alice)
    url = reverse("account:passkey_rename", args=[own.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"name": "Keyring YubiKey"}).status_code == 302
    own.refresh_from_db()
    assert own.name == "Keyring YubiKey"
    refused = client.post(url, {"name": "   "})
    assert refused.status_code == 400
    assert "This field is required" in refused.text
    refused = client.post(url, {"name": "x" * 65})
    assert refused.status_code == 400
    own.refresh_from_db()
    assert own.name == "Keyring YubiKey"


def test_nobody_names_or_removes_a_colleagues_passkey(client, clinic, alice):
    bobs = factories.passkey(user=clinic.bob.user, name="Bob's key")
    manager = factories.staff(username="mona", role=MANAGER)
    for user in (alice, manager):
        factories.signed_in(client, user)
        rename = reverse("account:passkey_rename", args=[bobs.pk])
        assert client.post(rename, {"name": "Mine now"}).status_code == 404
        remove = reverse("account:passkey_remove", args=[bobs.pk])
        assert client.post(remove).status_code == 404
    bobs.refresh_from_db()
    assert bobs.name == "Bob's key"


def test_a_staff_member_removes_their_own_passkey(client, alice):
    own = factories.passkey(user=alice, name="Old key")
    kept = factories.passkey(user=alice, name="New key")
    factories.signed_in(client, alice)
    url = reverse("account:passkey_remove", args=[own.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Passkey removed" in response.text
    assert list(WebAuthnCredential.objects.filter(user=alice)) == [kept]
    assert TOTPDevice.objects.filter(user=alice, confirmed=True).exists()  # the app stays


# --- Registration -----------------------------------------------------------------------------


def test_registration_options_for_a_signed_in_staff_member(client, alice, settings):
    existing = factories.passkey(user=alice, name="Blue key")
    factories.signed_in(client, alice)
    response = post_json(client, REGISTER_BEGIN)
    assert response.status_code == 200
    options = response.json()
    assert options["rp"] == {"id": settings.OTP_WEBAUTHN_RP_ID, "name": settings.CLINIC_NAME}
    assert len(base64.urlsafe_b64decode(options["challenge"] + "==")) >= 16
    # The same key is not registered twice.
    assert [c["id"] for c in options["excludeCredentials"]] == [b64url(existing.credential_id)]
    assert "otp_webauthn_register_state" in client.session


def test_no_passkey_is_added_with_the_password_alone(client, db):
    """Not even before the app is set up (django-otp-webauthn itself would allow that):
    the first factor is the app, set up at the first sign-in."""
    user = factories.staff(username="nia", role=MANAGER, password=PASSWORD)
    client.post(reverse("login"), {"username": "nia", "password": PASSWORD})
    for url in (REGISTER_BEGIN, REGISTER_COMPLETE):
        response = post_json(client, url)
        assert response.status_code == 403
        assert response.json()["code"] == "user_not_verified"
    client.post(reverse("logout"))
    for url in (REGISTER_BEGIN, REGISTER_COMPLETE):
        assert post_json(client, url).json()["code"] == "not_authenticated"
    assert not WebAuthnCredential.objects.filter(user=user).exists()


def test_a_registration_must_answer_the_challenge_it_began_with(client, alice):
    factories.signed_in(client, alice)
    assert post_json(client, REGISTER_COMPLETE).json()["code"] == "invalid_state"
    post_json(client, REGISTER_BEGIN)
    forged = {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}
    response = post_json(client, REGISTER_COMPLETE, forged)
    assert 400 <= response.status_code < 500
    assert post_json(client, REGISTER_COMPLETE, forged).json()["code"] == "invalid_state"
    assert not WebAuthnCredential.objects.filter(user=alice).exists()


# --- Sign-in ----------------------------------------------------------------------------------


def test_the_code_page_offers_a_passkey_to_those_who_have_one(password_only, alice):
    page = password_only.get(VERIFY)
    assert "passkey-verification-button" not in page.text
    assert "otp_webauthn_auth.js" not in page.text
    factories.passkey(user=alice, name="Blue key")
    page = password_only.get(VERIFY)
    assert 'id="passkey-verification-button"' in page.text
    assert "otp_webauthn_auth.js" in page.text


def test_authentication_options_name_only_the_users_own_passkeys(password_only, clinic, alice):
    own = factories.passkey(user=alice, name="Blue key")
    factories.passkey(user=clinic.bob.user, name="Bob's key")
    response = post_json(password_only, AUTH_BEGIN)
    assert response.status_code == 200
    options = response.json()
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(own.credential_id)]
    assert "otp_webauthn_authentication_state" in password_only.session


def test_a_passkey_never_replaces_the_password(client, alice):
    factories.passkey(user=alice, name="Blue key")
    for url in (AUTH_BEGIN, AUTH_COMPLETE):
        response = post_json(client, url)
        assert response.status_code == 403
        assert response.json()["code"] == "passwordless_login_disabled"
    # Bad input gets a clear answer, not a server error.
    broken = client.post(AUTH_COMPLETE, "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed_request"
    assert "_auth_user_id" not in client.session


def test_failed_passkey_answers_count_towards_the_sign_in_limiter(password_only, alice, settings):
    factories.passkey(user=alice, name="Blue key")
    forged = {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}
    before = RateLimitHit.objects.count()
    for _ in range(settings.CLINIC_LOGIN_FAILURES_PER_USER):
        post_json(password_only, AUTH_BEGIN)
        assert post_json(password_only, AUTH_COMPLETE, forged).status_code >= 400
    assert RateLimitHit.objects.count() == before + settings.CLINIC_LOGIN_FAILURES_PER_USER
    refused = post_json(password_only, AUTH_BEGIN)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.json()["detail"]
    assert password_only.get(reverse("staff:home")).url.startswith(VERIFY)


# --- Reset and the admin ------------------------------------------------------------------------


def test_the_managers_reset_removes_passkeys_too(client, alice):
    factories.passkey(user=alice, name="Blue key")
    factories.signed_in(client, factories.staff(username="mona", role=MANAGER))
    action = {"action": "reset_two_factor", "_selected_action": [alice.pk]}
    assert client.post(reverse("admin:auth_user_changelist"), action).status_code == 302
    assert not WebAuthnCredential.objects.filter(user=alice).exists()


def test_the_admin_lists_passkeys_without_their_keys_and_removes_none(admin_client, alice):
    passkey = factories.passkey(user=alice, name="Blue key")
    url = reverse("admin:django_otp_webauthn_webauthncredential_change", args=[passkey.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Blue key" in page.text
    for secret in (passkey.public_key.hex(), passkey.credential_id_sha256):
        assert secret not in page.text
    delete = reverse("admin:django_otp_webauthn_webauthncredential_delete", args=[passkey.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.post(url, {"name": "Mallory's key", "user": alice.pk}).status_code == 403
    passkey.refresh_from_db()
    assert passkey.name == "Blue key"


def test_a_manager_cannot_see_or_delete_anyones_passkey(client, alice):
    passkey = factories.passkey(user=get_user_model().objects.create_superuser("boss"))
    factories.signed_in(client, factories.staff(username="mona", role=MANAGER))
    delete = reverse("admin:django_otp_webauthn_webauthncredential_delete", args=[passkey.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    listing = reverse("admin:django_otp_webauthn_webauthncredential_changelist")
    assert client.get(listing).status_code == 403
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
