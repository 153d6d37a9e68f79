"""Staff and admin sign-in is rate-limited per username and per address."""

import pytest
from django.urls import reverse

from tests import factories

PASSWORD = "a long staff passphrase"


@pytest.fixture
def robin(db):
    return factories.staff(username="robin", password=PASSWORD)


def sign_in(client, username, password, url="login", ip="10.0.0.1"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_signs_in_with_the_right_password(client, robin):
    assert sign_in(client, "robin", PASSWORD).status_code == 302


def test_it_locks_a_username_after_five_failures_even_with_the_right_password(
    client, robin, settings
):
    for n in range(settings.CLINIC_LOGIN_FAILURES_PER_USER):
        assert sign_in(client, "robin", f"guess {n}", ip=f"10.0.0.{n}").status_code == 200
    refused = sign_in(client, "ROBIN", PASSWORD, ip="10.0.1.1")
    assert refused.status_code == 200
    assert "Too many failed sign-ins" in refused.text
    assert "_auth_user_id" not in client.session


def test_it_locks_an_address_that_tries_many_usernames(client, robin, settings):
    settings.CLINIC_LOGIN_FAILURES_PER_IP = 3
    for n in range(3):
        sign_in(client, f"user{n}", "guess")
    assert "Too many failed sign-ins" in sign_in(client, "robin", PASSWORD).text
    assert sign_in(client, "robin", PASSWORD, ip="10.9.9.9").status_code == 302


def test_it_does_not_count_successful_sign_ins(client, robin, settings):
    for _ in range(settings.CLINIC_LOGIN_FAILURES_PER_USER + 1):
        assert sign_in(client, "robin", PASSWORD).status_code == 302
        client.logout()


def test_it_rate_limits_the_admin_sign_in_too(client, robin, settings):
    for n in range(settings.CLINIC_LOGIN_FAILURES_PER_USER):
        sign_in(client, "robin", f"guess {n}", url="admin:login")
    refused = sign_in(client, "robin", PASSWORD, url="admin:login")
    assert "Too many failed sign-ins" in refused.text
