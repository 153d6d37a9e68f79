"""No texts at night on the patient's clock, across both changes of the clocks."""

import datetime as dt
import zoneinfo

import pytest

from messaging.quiet import in_quiet_hours, next_allowed

LONDON = zoneinfo.ZoneInfo("Europe/London")
NIGHT = {"start": dt.time(21), "end": dt.time(8)}


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (london(2027, 1, 11, 20, 59), False),
        (london(2027, 1, 11, 21, 0), True),
        (london(2027, 1, 11, 23, 30), True),
        (london(2027, 1, 12, 3, 0), True),
        (london(2027, 1, 12, 7, 59), True),
        (london(2027, 1, 12, 8, 0), False),
        (london(2027, 1, 12, 12, 0), False),
    ],
)
def test_the_night_is_from_nine_to_eight(moment, quiet):
    assert in_quiet_hours(moment, zone=LONDON, **NIGHT) is quiet


def test_a_daytime_text_goes_at_once():
    moment = london(2027, 1, 11, 14, 0)
    assert next_allowed(moment, zone=LONDON, **NIGHT) == moment


def test_an_evening_text_waits_for_the_next_morning():
    assert next_allowed(london(2027, 1, 11, 22, 0), zone=LONDON, **NIGHT) == london(
        2027, 1, 12, 8, 0
    )


def test_an_early_text_waits_for_this_morning():
    assert next_allowed(london(2027, 1, 12, 5, 0), zone=LONDON, **NIGHT) == london(
        2027, 1, 12, 8, 0
    )


def test_the_clock_is_the_patients_not_the_servers():
    # 22:00 in London is 17:00 in New York: daytime there.
    moment = london(2027, 1, 11, 22, 0)
    assert next_allowed(moment, zone=zoneinfo.ZoneInfo("America/New_York"), **NIGHT) == moment


def test_spring_forward_the_morning_is_eight_on_the_new_clock():
    # The clocks go forward at 01:00 GMT on Sunday 28 March 2027: the night is an hour shorter.
    evening = dt.datetime(2027, 3, 27, 23, 0, tzinfo=dt.UTC)  # 23:00 GMT
    morning = next_allowed(evening, zone=LONDON, **NIGHT)
    assert morning.astimezone(LONDON).time() == dt.time(8)
    assert morning.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 7, 0, tzinfo=dt.UTC)
    assert morning - evening == dt.timedelta(hours=8)


def test_fall_back_the_morning_is_eight_on_the_new_clock():
    # The clocks go back at 01:00 GMT on Sunday 31 October 2027: the night is an hour longer.
    evening = dt.datetime(2027, 10, 30, 22, 0, tzinfo=dt.UTC)  # 23:00 BST
    morning = next_allowed(evening, zone=LONDON, **NIGHT)
    assert morning.astimezone(LONDON).time() == dt.time(8)
    assert morning.astimezone(dt.UTC) == dt.datetime(2027, 10, 31, 8, 0, tzinfo=dt.UTC)
    assert morning - evening == dt.timedelta(hours=10)


def test_in_the_repeated_hour_it_is_still_night():
    # 01:30 happens twice on 31 October 2027; both are quiet, both wait for 08:00 GMT.
    first = dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)  # 01:30 BST
    second = dt.datetime(2027, 10, 31, 1, 30, tzinfo=dt.UTC)  # 01:30 GMT
    for moment in (first, second):
        assert next_allowed(moment, zone=LONDON, **NIGHT) == dt.datetime(
            2027, 10, 31, 8, 0, tzinfo=dt.UTC
        )


def test_equal_start_and_end_means_no_quiet_hours():
    moment = london(2027, 1, 11, 23, 0)
    assert next_allowed(moment, zone=LONDON, start=dt.time(8), end=dt.time(8)) == moment
