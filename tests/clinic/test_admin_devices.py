"""Second factors in the admin (clinic/admin_devices.py): nobody, the superuser included,
adds, changes, deletes or reads the secret of a device there; the one way to remove a
second factor is the staff accounts' reset action (tests/clinic/test_staff_login.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic import twofactor
from clinic.models import RecoveryCode, RecoveryCodes
from clinic.roles import MANAGER
from tests import factories

User = get_user_model()


def admin_url(obj_or_model, view: str, *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def boss(db):
    boss = User.objects.create_superuser("boss", "boss@example.com")
    TOTPDevice.objects.create(user=boss, name="Boss's phone", confirmed=True)
    return boss


@pytest.fixture
def manager_client(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def test_a_manager_cannot_delete_the_superusers_authenticator(manager_client, boss):
    device = TOTPDevice.objects.get(user=boss)
    url = admin_url(device, "delete", device.pk)
    assert manager_client.get(url).status_code == 403
    assert manager_client.post(url, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"}
    assert manager_client.post(admin_url(TOTPDevice, "changelist"), bulk).status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_not_even_a_superuser_deletes_adds_or_changes_a_device_there(admin_client, boss):
    device = TOTPDevice.objects.get(user=boss)
    assert (
        admin_client.post(admin_url(device, "delete", device.pk), {"post": "yes"}).status_code
        == 403
    )
    bulk = {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"}
    admin_client.post(admin_url(TOTPDevice, "changelist"), bulk)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert admin_client.get(admin_url(TOTPDevice, "add")).status_code == 403
    change = {"user": boss.pk, "name": "Mallory's phone", "key": "00" * 20, "confirmed": "on"}
    assert admin_client.post(admin_url(device, "change", device.pk), change).status_code == 403
    device.refresh_from_db()
    assert device.name == "Boss's phone"
    codes = RecoveryCodes.objects.create(user=boss, name="Recovery codes")
    assert (
        admin_client.post(admin_url(codes, "delete", codes.pk), {"post": "yes"}).status_code == 403
    )
    assert admin_client.get(admin_url(RecoveryCodes, "add")).status_code == 403
    assert RecoveryCodes.objects.filter(pk=codes.pk).exists()


def test_no_admin_page_shows_a_totp_key(admin_client, boss):
    device = TOTPDevice.objects.get(user=boss)
    listing = admin_client.get(admin_url(TOTPDevice, "changelist"))
    page = admin_client.get(admin_url(device, "change", device.pk))
    assert listing.status_code == page.status_code == 200
    assert "Boss&#x27;s phone" in page.text  # whose it is, and nothing secret:
    for shown in (listing.text, page.text):
        assert device.key not in shown
        assert device.key.upper() not in shown
        assert "otpauth" not in shown
    # django-otp's own pages with the key's QR code are gone with its admin: what is
    # left at their addresses is the admin's "no such device" redirect.
    for view in ("config", "qrcode"):
        url = f"{admin_url(TOTPDevice, 'changelist')}{device.pk}/{view}/"
        response = admin_client.get(url, follow=True)
        assert response.redirect_chain, view
        assert response["Content-Type"].startswith("text/html")
        assert "otpauth" not in response.text


def test_no_admin_page_lists_recovery_codes(admin_client, boss):
    codes = twofactor.issue_recovery_codes(boss)
    device = RecoveryCodes.objects.get(user=boss)
    page = admin_client.get(admin_url(device, "change", device.pk))
    assert page.status_code == 200
    stored = RecoveryCode.objects.filter(device=device)
    for row in stored:
        assert row.digest not in page.text
        assert row.salt not in page.text
    for code in codes:
        assert code not in page.text
        assert code.replace("-", "") not in page.text
    # django-otp's device with codes in clear has no admin any more.
    old = StaticDevice.objects.create(user=boss, name="Old codes")
    StaticToken.objects.create(device=old, token="abcdefgh")
    for url in (
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_static/staticdevice/{old.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 404, url
