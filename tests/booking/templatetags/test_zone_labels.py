"""Zone labels on every 2027 clock change in three zones: a session that starts before the
change and ends after it shows each end in the zone valid at that instant."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

UTC = dt.UTC


def render(zone: str, start: dt.datetime, end: dt.datetime) -> tuple[str, str, str]:
    template = Template(
        "{% load clinic_format tz %}{% timezone zone %}"
        '{% time_range start end "D j M" %}|{{ start|zoned }}|{{ end|zoned:"j M" }}'
        "{% endtimezone %}"
    )
    text = template.render(Context({"zone": zone, "start": start, "end": end}))
    return tuple(text.split("|"))  # type: ignore[return-value]


# (zone, session start in UTC, minutes, the range, the start alone, the end with its date)
CHANGES = [
    # London, spring: 01:00 GMT becomes 02:00 BST.
    (
        "Europe/London",
        dt.datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
        60,
        "Sun 28 Mar, 00:30 GMT–02:30 BST",
        "00:30 GMT",
        "28 Mar, 02:30 BST",
    ),
    # London, autumn: 02:00 BST becomes 01:00 GMT; 01:30 happens twice.
    (
        "Europe/London",
        dt.datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
        60,
        "Sun 31 Oct, 01:30 BST–01:30 GMT",
        "01:30 BST",
        "31 Oct, 01:30 GMT",
    ),
    # New York, spring: 02:00 EST becomes 03:00 EDT.
    (
        "America/New_York",
        dt.datetime(2027, 3, 14, 6, 30, tzinfo=UTC),
        60,
        "Sun 14 Mar, 01:30 EST–03:30 EDT",
        "01:30 EST",
        "14 Mar, 03:30 EDT",
    ),
    # New York, autumn: 02:00 EDT becomes 01:00 EST; 01:15 happens twice.
    (
        "America/New_York",
        dt.datetime(2027, 11, 7, 5, 15, tzinfo=UTC),
        60,
        "Sun 7 Nov, 01:15 EDT–01:15 EST",
        "01:15 EDT",
        "7 Nov, 01:15 EST",
    ),
    # Lord Howe, April: 02:00 (+11) becomes 01:30 (+1030); half an hour repeats.
    (
        "Australia/Lord_Howe",
        dt.datetime(2027, 4, 3, 14, 45, tzinfo=UTC),
        30,
        "Sun 4 Apr, 01:45 +11–01:45 +1030",
        "01:45 +11",
        "4 Apr, 01:45 +1030",
    ),
    # Lord Howe, October: 02:00 (+1030) becomes 02:30 (+11).
    (
        "Australia/Lord_Howe",
        dt.datetime(2027, 10, 2, 15, 15, tzinfo=UTC),
        60,
        "Sun 3 Oct, 01:45 +1030–03:15 +11",
        "01:45 +1030",
        "3 Oct, 03:15 +11",
    ),
]


@pytest.mark.parametrize(("zone", "start", "minutes", "span", "alone", "end"), CHANGES)
def test_it_labels_each_end_in_its_own_zone(zone, start, minutes, span, alone, end):
    finish = start + dt.timedelta(minutes=minutes)
    # The cases really straddle a change.
    assert (
        start.astimezone(ZoneInfo(zone)).utcoffset()
        != finish.astimezone(ZoneInfo(zone)).utcoffset()
    )

    assert render(zone, start, finish) == (span, alone, end)


def test_it_labels_a_range_once_when_the_zone_does_not_change():
    start = dt.datetime(2027, 1, 11, 9, tzinfo=UTC)

    span, alone, end = render("Europe/London", start, start + dt.timedelta(hours=1))

    assert (span, alone, end) == ("Mon 11 Jan, 09:00–10:00 GMT", "09:00 GMT", "11 Jan, 10:00 GMT")


def test_it_shows_nothing_for_a_missing_time():
    template = Template("{% load clinic_format %}[{{ nothing|zoned }}][{% time_range a b %}]")
    assert template.render(Context({"nothing": None, "a": None, "b": None})) == "[][]"


@pytest.mark.django_db
def test_the_email_and_the_appointment_card_label_both_ends(clinic, patient):
    from booking.models import Appointment
    from booking.notify.emails import appointment_email

    start = dt.datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 01:30 BST, an hour before 01:30 GMT
    appointment = Appointment.objects.create(
        patient=patient,
        practitioner=clinic.alice,
        service=clinic.initial,
        location=clinic.location,
        room=clinic.rooms[0],
        start=start,
        end=start + dt.timedelta(hours=1),
        occupied_until=start + dt.timedelta(hours=1, minutes=10),
        source="front_desk",
    )

    message = appointment_email(appointment, "booked")
    for text in (message.body, message.alternatives[0].content):
        assert "Sunday 31 October 2027, 01:30 BST–01:30 GMT" in text
