"""Staff sign-in: the password, then the second factor (django-otp), for the staff pages and
the admin alike; enrolment at the first sign-in; the limiter's keys."""

import datetime as dt
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import RateLimitHit, RecoveryCode, RecoveryCodes
from clinic.roles import MANAGER
from tests import factories

PASSWORD = "a long staff passphrase"
STAFF_HOME = reverse("staff:home")
VERIFY = reverse("two_factor:verify")
SETUP = reverse("two_factor:setup")


@pytest.fixture
def robin(db):
    user = get_user_model().objects.create_superuser(
        "robin", email="robin@example.com", password=PASSWORD
    )
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return user


@pytest.fixture(autouse=True)
def no_code_throttle(settings):
    # django-otp doubles a wait after each wrong code; these tests try codes back to back.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.CLINIC_RECOVERY_THROTTLE_FACTOR = 0


def sign_in(client, username, password, ip="10.0.0.1", url="login"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=ip)


def code_for(user, *, steps_ahead: int = 0, device=None) -> str:
    device = device or TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return str(totp.token()).zfill(device.digits)


def enter_code(client, code, ip="10.0.0.1", url=VERIFY):
    return client.post(url, {"code": code, "next": STAFF_HOME}, REMOTE_ADDR=ip)


def test_it_asks_for_the_code_after_the_password(client, robin):
    response = sign_in(client, "robin", PASSWORD)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)


def test_a_password_alone_reaches_no_staff_or_admin_page(client, robin):
    sign_in(client, "robin", PASSWORD)
    staff = client.get(STAFF_HOME)
    assert staff.status_code == 302
    assert staff.url.startswith(VERIFY)
    admin_index = client.get(reverse("admin:index"))
    assert admin_index.status_code == 302
    # The admin's sign-in is the staff one, which sends a half-signed-in user to the code.
    assert client.get(admin_index.url, follow=True).redirect_chain[-1][0].startswith(VERIFY)
    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 302


def test_the_right_code_opens_the_staff_pages_and_the_admin(client, robin):
    sign_in(client, "robin", PASSWORD)
    response = enter_code(client, code_for(robin))
    assert response.status_code == 302
    assert response.url == STAFF_HOME
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("patients_staff:patients")).status_code == 200


def test_a_wrong_code_is_refused_and_counted_by_the_limiter(client, robin, settings):
    sign_in(client, "robin", PASSWORD)
    before = RateLimitHit.objects.count()
    response = enter_code(client, "000000" if code_for(robin) != "000000" else "111111")
    assert response.status_code == 400
    assert "That code is not right" in response.text
    assert RateLimitHit.objects.count() == before + 1
    assert client.get(STAFF_HOME).url.startswith(VERIFY)
    for _ in range(settings.CLINIC_LOGIN_FAILURES_PER_USER - 1):
        enter_code(client, "not-a-code")
    refused = enter_code(client, code_for(robin))
    assert "Too many failed sign-ins" in refused.text
    assert client.get(STAFF_HOME).url.startswith(VERIFY)


def test_a_right_code_is_not_counted_as_a_failure(client, robin):
    """Every code is counted before it is checked (so a burst cannot try more than the
    limit); a right one is given back."""
    sign_in(client, "robin", PASSWORD)
    before = RateLimitHit.objects.count()
    assert enter_code(client, code_for(robin)).status_code == 302
    assert RateLimitHit.objects.count() == before


def test_a_code_works_once(client, robin):
    code = code_for(robin)
    sign_in(client, "robin", PASSWORD)
    assert enter_code(client, code).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, "robin", PASSWORD)
    assert enter_code(client, code).status_code == 400


def test_first_sign_in_sets_up_the_app_and_shows_recovery_codes_once(client, db, settings):
    user = factories.staff(username="nia", role=MANAGER)
    user.set_password(PASSWORD)
    user.save()
    sign_in(client, "nia", PASSWORD)
    assert client.get(VERIFY).url.startswith(SETUP)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text
    assert client.get(STAFF_HOME).status_code == 302  # not before the app is confirmed
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    done = enter_code(client, str(totp.token()).zfill(6), url=SETUP)
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(set(codes)) == settings.CLINIC_RECOVERY_CODES
    assert all(code in done.text for code in codes)
    assert client.get(reverse("patients_staff:patients")).status_code == 200
    # A recovery code signs in once, typed with or without its dashes.
    for expected, typed in ((302, codes[0]), (400, codes[0].replace("-", " ").upper())):
        client.post(reverse("logout"))
        sign_in(client, "nia", PASSWORD)
        assert enter_code(client, typed).status_code == expected
    client.post(reverse("logout"))
    sign_in(client, "nia", PASSWORD)
    assert enter_code(client, codes[1].replace("-", "").upper()).status_code == 302


def test_recovery_codes_are_80_bits_grouped_and_stored_only_as_hashes(client, db):
    user = factories.staff(username="nia", role=MANAGER)
    user.set_password(PASSWORD)
    user.save()
    sign_in(client, "nia", PASSWORD)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes = enter_code(client, code_for(user, device=device), url=SETUP).context["codes"]
    for code in codes:
        # Four groups of four base32 characters: 16 x 5 = 80 random bits.
        assert re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code), code
    stored = RecoveryCode.objects.filter(device__user=user)
    assert stored.count() == len(codes)
    kept = " ".join(f"{row.salt} {row.digest}" for row in stored)
    assert not any(c in kept or c.replace("-", "") in kept for c in codes)
    assert len({row.salt for row in stored}) == len(codes)  # a salt per code
    assert not StaticToken.objects.exists()  # nothing in django-otp's clear table


def test_a_new_sign_in_gets_a_new_secret_to_set_up(client, db):
    """Someone who saw the set-up page with the password alone (another browser, an earlier
    sign-in) must not hold a secret that works once its owner sets up the app."""
    user = factories.staff(username="nia", role=MANAGER)
    user.set_password(PASSWORD)
    user.save()
    mallory = Client()
    sign_in(mallory, "nia", PASSWORD, ip="203.0.113.9")
    seen = mallory.get(SETUP).context["secret"]
    assert mallory.get(SETUP).context["secret"] == seen  # a reload keeps it
    stolen = TOTPDevice.objects.get(user=user, confirmed=False)
    # The owner signs in at the clinic and sets up the app from their own page.
    sign_in(client, "nia", PASSWORD)
    own = client.get(SETUP).context["secret"]
    assert own != seen
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert enter_code(client, code_for(user, device=device), url=SETUP).status_code == 200
    # The secret seen before gives no code that signs in.
    client.post(reverse("logout"))
    sign_in(client, "nia", PASSWORD)
    assert enter_code(client, code_for(user, device=stolen)).status_code == 400
    # Signing out and in again in one browser starts a new set-up too.
    other = factories.staff(username="olu", role=MANAGER)
    other.set_password(PASSWORD)
    other.save()
    browser = Client()
    sign_in(browser, "olu", PASSWORD)
    first = browser.get(SETUP).context["secret"]
    browser.post(reverse("logout"))
    sign_in(browser, "olu", PASSWORD)
    assert browser.get(SETUP).context["secret"] != first
    assert TOTPDevice.objects.filter(user=other).count() == 1  # the earlier one is gone


def test_a_password_alone_cannot_add_a_second_app(client, robin):
    sign_in(client, "robin", PASSWORD)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    assert enter_code(client, "123456", url=SETUP).status_code == 302
    assert TOTPDevice.objects.filter(user=robin).count() == 1


def test_failures_lock_the_account_only_from_that_address(client, robin, settings):
    for n in range(settings.CLINIC_LOGIN_FAILURES_PER_USER):
        assert sign_in(client, "robin", f"guess {n}", ip="203.0.113.9").status_code == 200
    refused = sign_in(client, "ROBIN", PASSWORD, ip="203.0.113.9")
    assert "Too many failed sign-ins" in refused.text
    assert "_auth_user_id" not in client.session
    # The clinic's own address is not locked out by someone elsewhere.
    assert sign_in(client, "robin", PASSWORD, ip="198.51.100.1").status_code == 302


def test_unknown_usernames_are_counted_per_address_without_locking_real_accounts(
    client, robin, settings
):
    settings.CLINIC_LOGIN_FAILURES_PER_IP = 3
    for n in range(3):
        sign_in(client, f"user{n}", "guess")
    assert "Too many failed sign-ins" in sign_in(client, "user9", "guess").text
    assert sign_in(client, "robin", PASSWORD).status_code == 302


def test_it_does_not_count_successful_sign_ins(client, robin, settings):
    for _ in range(settings.CLINIC_LOGIN_FAILURES_PER_USER + 1):
        assert sign_in(client, "robin", PASSWORD).status_code == 302
        client.post(reverse("logout"))


def test_the_manager_resets_a_colleagues_second_factor_and_it_is_logged(client, db):
    manager = factories.staff(username="mona", role=MANAGER)
    colleague = factories.staff(username="rita")
    TOTPDevice.objects.create(user=colleague, name="Lost phone", confirmed=True)
    RecoveryCodes.objects.create(user=colleague, name="Recovery codes")
    boss = get_user_model().objects.create_superuser("boss", email="b@example.com")
    TOTPDevice.objects.create(user=boss, name="Phone", confirmed=True)
    factories.signed_in(client, manager)
    changelist = reverse("admin:auth_user_changelist")
    action = {"action": "reset_two_factor", "_selected_action": [colleague.pk, boss.pk]}
    assert client.post(changelist, action).status_code == 302
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert not RecoveryCodes.objects.filter(user=colleague).exists()
    assert TOTPDevice.objects.filter(user=boss).exists()  # only a superuser resets a superuser
    entry = LogEntry.objects.get(object_id=str(colleague.pk))
    assert entry.user == manager
    assert "two-factor" in entry.get_change_message()


def test_the_session_ends_after_the_idle_timeout(client, robin, settings, time_machine):
    start = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    factories.signed_in(client, robin)
    assert client.get(reverse("patients_staff:patients")).status_code == 200
    time_machine.move_to(start + dt.timedelta(minutes=settings.CLINIC_IDLE_MINUTES - 1))
    assert client.get(reverse("patients_staff:patients")).status_code == 200
    time_machine.move_to(start + dt.timedelta(minutes=2 * settings.CLINIC_IDLE_MINUTES - 1))
    assert client.get(reverse("patients_staff:patients")).status_code == 200  # still active
    time_machine.move_to(start + dt.timedelta(minutes=3 * settings.CLINIC_IDLE_MINUTES))
    response = client.get(reverse("patients_staff:patients"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_the_session_ends_at_its_lifetime_however_active(client, robin, settings, time_machine):
    start = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    factories.signed_in(client, robin)
    step = dt.timedelta(minutes=settings.CLINIC_IDLE_MINUTES - 1)
    now = start
    while now + step < start + dt.timedelta(hours=settings.CLINIC_SESSION_HOURS):
        now += step
        time_machine.move_to(now, tick=False)
        assert client.get(reverse("patients_staff:patients")).status_code == 200, now
    time_machine.move_to(start + dt.timedelta(hours=settings.CLINIC_SESSION_HOURS, minutes=1))
    assert client.get(reverse("patients_staff:patients")).url.startswith(reverse("login"))
