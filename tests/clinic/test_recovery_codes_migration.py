"""clinic 0008: django-otp's recovery codes in clear become salted hashes, and the codes
staff already printed keep signing them in, once each."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import RecoveryCode

migration = importlib.import_module("clinic.migrations.0008_recovery_codes_hashed")
PASSWORD = "a long staff passphrase"


@pytest.fixture(autouse=True)
def no_code_throttle(settings):
    settings.CLINIC_RECOVERY_THROTTLE_FACTOR = 0


def test_clear_codes_are_hashed_and_still_sign_in_once(client, db):
    user = get_user_model().objects.create_user("nia", password=PASSWORD, is_staff=True)
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    old = StaticDevice.objects.create(user=user, name="Recovery codes")
    StaticToken.objects.bulk_create(
        StaticToken(device=old, token=token) for token in ("abcd2345", "efgh6723")
    )
    migration.hash_clear_codes(apps, None)
    assert not StaticToken.objects.exists()
    assert not StaticDevice.objects.exists()
    stored = RecoveryCode.objects.filter(device__user=user)
    assert stored.count() == 2
    assert not any("abcd2345" in row.digest + row.salt for row in stored)
    for expected in (302, 400):
        client.post(reverse("login"), {"username": "nia", "password": PASSWORD})
        response = client.post(reverse("two_factor:verify"), {"code": "abcd2345"})
        assert response.status_code == expected
        client.post(reverse("logout"))
