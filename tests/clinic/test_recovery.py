"""Recovery codes' arithmetic (clinic/recovery.py): size, grouping, salted hashes."""

import base64

from clinic import recovery


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
