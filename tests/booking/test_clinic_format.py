"""The template filters that turn stored values into what people read."""

import datetime as dt
import zoneinfo

from django.utils import timezone

from booking.templatetags.clinic_format import day_parts, intake_label, phone, severity_label

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_phone_numbers_read_as_people_write_them(settings):
    settings.PHONENUMBER_DEFAULT_REGION = "GB"
    assert phone("+442079460000") == "020 7946 0000"
    assert phone("+447400123456") == "07400 123456"
    assert phone("+61291234567") == "+61 2 9123 4567"  # another country: international
    assert phone("") == ""
    assert phone("not a number") == "not a number"


def test_raw_values_get_words():
    assert intake_label("needs_review") == "Needs review"
    assert intake_label("missing") == "Intake missing"
    assert severity_label("estim_only") == "No electrical stimulation"
    assert "_" not in severity_label("relative")


def test_times_are_grouped_into_morning_afternoon_and_evening_in_the_zone():
    # 11:45 and 12:00 London time in summer are 10:45 and 11:00 UTC.
    times = [
        (dt.datetime(2027, 6, 1, hour, minute, tzinfo=dt.UTC), f"{hour}{minute}")
        for hour, minute in [(8, 0), (10, 45), (11, 0), (15, 45), (16, 0), (18, 0)]
    ]
    with timezone.override(LONDON):
        parts = day_parts(times)
    assert [(name, [value for _, value in items]) for name, items in parts] == [
        ("Morning", ["80", "1045"]),
        ("Afternoon", ["110", "1545"]),
        ("Evening", ["160", "180"]),
    ]
    with timezone.override(LONDON):
        assert [name for name, _ in day_parts(times[:2])] == ["Morning"]
