"""Recovery codes: their arithmetic (clinic/recovery.py: size, grouping, salted hashes)
and their device (clinic.models.RecoveryCodes: one use, even when raced)."""

import base64
import threading

import pytest
from django.db import connection

from clinic import recovery, twofactor
from clinic.models import RecoveryCode, RecoveryCodes
from tests import factories


def test_a_code_is_80_random_bits():
    codes = {recovery.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(base64.b32decode(code.upper())) * 8 >= 80


def test_codes_are_shown_in_groups_and_typed_either_way():
    code = "abcdefghijklmnop"
    assert recovery.grouped(code) == "abcd-efgh-ijkl-mnop"
    assert recovery.normalised(" ABCD-efgh ijkl-MNOP\n") == code


def test_the_same_code_hashes_differently_under_each_salt():
    code = recovery.new_code()
    one, two = recovery.new_salt(), recovery.new_salt()
    assert recovery.digest(code, one) != recovery.digest(code, two)
    assert code not in recovery.digest(code, one)
    assert recovery.digest(recovery.grouped(code).upper(), one) == recovery.digest(code, one)


def test_matching_finds_the_one_code_and_no_other():
    codes = [recovery.new_code() for _ in range(5)]
    salts = [recovery.new_salt() for _ in codes]
    stored = [
        (n, s, recovery.digest(c, s)) for n, (c, s) in enumerate(zip(codes, salts, strict=True))
    ]
    assert recovery.matching(codes[3], stored) == 3
    assert recovery.matching(recovery.new_code(), stored) is None
    assert recovery.matching("", stored) is None


@pytest.mark.django_db(transaction=True)
def test_a_code_is_used_once_however_many_try_it_at_once(settings):
    """Eight sign-ins racing with one printed code: the codes are locked while matched
    and the used one deleted, so exactly one gets in (without the lock, several do)."""
    settings.CLINIC_RECOVERY_THROTTLE_FACTOR = 0
    user = factories.staff(username="nia")
    code = twofactor.issue_recovery_codes(user)[0]
    pk = RecoveryCodes.objects.get(user=user).pk
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def attempt():
        try:
            device = RecoveryCodes.objects.get(pk=pk)
            barrier.wait()
            results.append(device.verify_token(code))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert RecoveryCode.objects.filter(device_id=pk).count() == settings.CLINIC_RECOVERY_CODES - 1
