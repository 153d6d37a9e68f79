"""Counting a text's parts as the networks do (3GPP TS 23.038)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.segments import GSM7_BASIC, GSM7_EXTENSION, count


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # each extension character takes two places
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]" + "a" * 156, "GSM-7", 161, 2),
        ("é, ñ, ü and £ are GSM", "GSM-7", 21, 1),
        ("ł" * 70, "UCS-2", 70, 1),  # one character outside GSM-7 makes the whole text UCS-2
        ("ł" * 71, "UCS-2", 71, 2),
        ("ł" * 134, "UCS-2", 134, 2),
        ("ł" * 135, "UCS-2", 135, 3),
        ("See you soon 😀", "UCS-2", 15, 1),  # an emoji is two UTF-16 units
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        ("a" * 159 + "’", "UCS-2", 160, 3),  # a curly apostrophe is not GSM-7
    ],
)
def test_it_counts_parts(text, encoding, units, parts):
    counted = count(text)
    assert (counted.encoding, counted.units, counted.parts) == (encoding, units, parts)


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=1000))
def test_gsm_parts_hold_every_character(text):
    counted = count(text)
    assert counted.encoding == "GSM-7"
    if counted.parts == 1:
        assert counted.units <= 160
    else:
        assert 153 * (counted.parts - 1) < counted.units <= 153 * counted.parts
