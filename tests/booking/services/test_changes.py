"""Rescheduling, cancelling and status changes go through the same guarantees as booking."""

import datetime as dt

import pytest

from booking.models import Appointment, AppointmentSource, AppointmentStatus
from booking.services.changes import appointment_cancel, appointment_reschedule
from booking.services.placement import BookingError, SlotTaken
from booking.services.status import appointment_status_change, appointment_transition
from booking.signals import appointment_status_changed
from tests import factories
from tests.factories import NOW, at, book

DESK = AppointmentSource.FRONT_DESK
ONLINE = AppointmentSource.ONLINE


def test_it_moves_an_appointment_to_another_time_and_practitioner(clinic, patient):
    appointment = book(clinic, patient, at(9))
    moved = appointment_reschedule(
        appointment=appointment, start=at(14), practitioner=clinic.bob, now=NOW, source=DESK
    )
    moved.refresh_from_db()
    assert (moved.start, moved.practitioner, moved.occupied_until) == (
        at(14),
        clinic.bob,
        at(15, 10),
    )


def test_it_can_move_an_appointment_by_a_few_minutes_over_itself(clinic, patient):
    appointment = book(clinic, patient, at(9))
    appointment_reschedule(appointment=appointment, start=at(9, 15), now=NOW, source=DESK)
    assert Appointment.objects.get().start == at(9, 15)


def test_it_refuses_to_move_onto_another_appointment(clinic, patient, erin):
    book(clinic, erin, at(10))
    mine = book(clinic, patient, at(14))
    with pytest.raises(SlotTaken) as taken:
        appointment_reschedule(appointment=mine, start=at(10, 30), now=NOW, source=DESK)
    assert taken.value.alternatives
    mine.refresh_from_db()
    assert mine.start == at(14)


def test_it_refuses_to_move_into_a_taken_room(clinic, patient, erin):
    book(clinic, erin, at(10), practitioner=clinic.bob, room=clinic.rooms[0])
    mine = book(clinic, patient, at(14), room=clinic.rooms[1])
    with pytest.raises(SlotTaken):
        appointment_reschedule(
            appointment=mine, start=at(10), room=clinic.rooms[0], now=NOW, source=DESK
        )
    moved = appointment_reschedule(
        appointment=mine, start=at(10), room=clinic.rooms[1], now=NOW, source=DESK
    )
    assert moved.room == clinic.rooms[1]


def test_it_moves_to_whoever_is_free_when_any_practitioner_will_do(clinic, patient, erin):
    mine = book(clinic, patient, at(9))
    book(clinic, erin, at(14))  # Alice is busy at 14:00; Bob is not
    moved = appointment_reschedule(
        appointment=mine, start=at(14), any_practitioner=True, now=NOW, source=ONLINE
    )
    moved.refresh_from_db()
    assert (moved.start, moved.practitioner) == (at(14), clinic.bob)


def test_it_refuses_a_move_to_another_practitioner_at_a_taken_time(clinic, patient, erin, dana):
    book(clinic, erin, at(10), practitioner=clinic.bob)
    mine = book(clinic, patient, at(14))
    with pytest.raises(SlotTaken) as taken:
        appointment_reschedule(
            appointment=mine, start=at(10), practitioner=clinic.bob, now=NOW, source=ONLINE
        )
    assert taken.value.alternatives
    book(clinic, dana, at(10))  # now Alice is busy too: nobody is free at 10:00
    with pytest.raises(SlotTaken):
        appointment_reschedule(
            appointment=mine, start=at(10), any_practitioner=True, now=NOW, source=ONLINE
        )
    mine.refresh_from_db()
    assert (mine.start, mine.practitioner) == (at(14), clinic.alice)


def test_it_refuses_a_move_to_a_practitioner_who_does_not_offer_the_service(clinic, patient):
    # Dave offers only follow-ups; Charlie's appointment is an initial assessment.
    dave = factories.practitioner(
        slug="dave", first_name="Dave", location=clinic.location, services=[clinic.follow_up]
    )
    mine = book(clinic, patient, at(9))
    with pytest.raises(BookingError) as refused:
        appointment_reschedule(
            appointment=mine, start=at(14), practitioner=dave, now=NOW, source=ONLINE
        )
    assert refused.value.code == "mismatch"
    assert "does not offer this service" in refused.value.message
    mine.refresh_from_db()
    assert (mine.start, mine.practitioner) == (at(9), clinic.alice)


def test_it_lets_the_front_desk_book_outside_hours_but_never_over_a_booking(clinic, patient, erin):
    with pytest.raises(SlotTaken):
        book(clinic, patient, at(18))
    late = book(clinic, patient, at(18), override_hours=True)
    assert late.hours_override
    with pytest.raises(SlotTaken):
        book(clinic, erin, at(18, 30), override_hours=True)
    with pytest.raises(BookingError) as refused:
        book(clinic, erin, at(19), override_hours=True, source=ONLINE)
    assert refused.value.code == "override"


def test_it_refuses_a_patient_two_sessions_at_once(clinic, patient):
    book(clinic, patient, at(9))
    with pytest.raises(BookingError) as refused:
        book(clinic, patient, at(9, 30), practitioner=clinic.bob)
    assert refused.value.code == "patient"


def test_it_cancels_outside_the_window_and_records_a_late_cancel_inside(clinic, patient):
    early = book(clinic, patient, at(9))
    assert appointment_cancel(appointment=early, now=NOW, by_patient=True).status == "cancelled"
    late = book(clinic, patient, at(9))  # the time is free again
    day_before = at(10) - dt.timedelta(days=1)
    cancelled = appointment_cancel(
        appointment=late, now=day_before, by_patient=False, reason="Called in sick"
    )
    assert cancelled.status == AppointmentStatus.LATE_CANCELLED
    assert cancelled.cancelled_at == day_before
    assert cancelled.cancellation_reason == "Called in sick"


def test_it_refuses_a_patient_cancelling_inside_the_window(clinic, patient):
    appointment = book(clinic, patient, at(9))
    with pytest.raises(BookingError) as refused:
        appointment_cancel(appointment=appointment, now=at(8), by_patient=True)
    assert refused.value.code == "window"
    assert "call us" in refused.value.message
    with pytest.raises(BookingError):
        appointment_reschedule(appointment=appointment, start=at(14), now=at(8), source=ONLINE)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.start == at(9)


def test_it_refuses_to_move_an_appointment_changed_meanwhile(clinic, patient):
    appointment = book(clinic, patient, at(9))
    stale = Appointment.objects.get(pk=appointment.pk)
    appointment_reschedule(appointment=appointment, start=at(10), now=NOW, source=DESK)
    with pytest.raises(BookingError) as refused:
        appointment_reschedule(appointment=stale, start=at(11), now=NOW, source=DESK)
    assert refused.value.code == "changed"


@pytest.mark.parametrize(
    ("setup", "action", "now", "code"),
    [
        ("cancelled", "check_in", at(8, 50), "status"),
        ("confirmed", "complete", at(8, 50), "future"),
        ("confirmed", "no_show", at(8, 50), "future"),
        ("confirmed", "check_in", at(9) - dt.timedelta(days=1), "day"),
        ("confirmed", "confirm", at(8), "status"),
        ("confirmed", "teleport", at(8), "action"),
    ],
)
def test_it_refuses_transitions_that_make_no_sense(clinic, patient, setup, action, now, code):
    appointment = book(clinic, patient, at(9))
    if setup == "cancelled":
        appointment = appointment_cancel(appointment=appointment, now=NOW, by_patient=False)
    with pytest.raises(BookingError) as refused:
        appointment_transition(appointment=appointment, action=action, now=now, by=None)
    assert refused.value.code == code
    assert Appointment.objects.get().status == appointment.status


def test_it_walks_a_visit_from_check_in_to_completed(clinic, patient, rita):
    """Whoever checks the patient in is kept as the one who saw them arrive; completing
    the session later (here by Alice) does not replace them."""
    appointment = book(clinic, patient, at(9))
    alice = clinic.alice.user
    checked_in = appointment_transition(
        appointment=appointment, action="check_in", now=at(8, 55), by=rita
    )
    assert (checked_in.status, checked_in.checked_in_by) == (AppointmentStatus.CHECKED_IN, rita)
    done = appointment_transition(appointment=appointment, action="complete", now=at(10), by=alice)
    assert (done.status, done.checked_in_by) == (AppointmentStatus.COMPLETED, rita)
    assert done.history.filter(checked_in_by=rita).count() == 2  # kept in the change history


def test_completing_a_session_nobody_checked_in_records_who_completed_it(clinic, patient, rita):
    completed = book(clinic, patient, at(9))
    missed = book(clinic, patient, at(14), service=clinic.follow_up)
    request = book(
        clinic, patient, at(11), service=clinic.follow_up, status=AppointmentStatus.REQUESTED
    )

    done = appointment_transition(appointment=completed, action="complete", now=at(15), by=rita)
    no_show = appointment_transition(appointment=missed, action="no_show", now=at(15), by=rita)
    confirmed = appointment_transition(appointment=request, action="confirm", now=NOW, by=rita)

    assert done.checked_in_by == rita
    # Nobody arrived, or not yet.
    assert no_show.checked_in_by is None
    assert confirmed.checked_in_by is None


def test_it_confirms_a_follow_up_request_only_after_a_first_visit(clinic, patient):
    request = book(
        clinic, patient, at(14), service=clinic.follow_up, status=AppointmentStatus.REQUESTED
    )
    with pytest.raises(BookingError) as refused:
        appointment_transition(appointment=request, action="confirm", now=NOW, by=None)
    assert refused.value.code == "first_visit"
    book(clinic, patient, at(9))
    confirmed = appointment_transition(appointment=request, action="confirm", now=NOW, by=None)
    assert confirmed.status == AppointmentStatus.CONFIRMED


def test_every_status_change_is_announced_with_what_it_was_and_who_made_it(clinic, patient, rita):
    """Other apps (billing) act on a status through this signal, inside the change's own
    transaction: a cancellation, a late one by the desk, a check-in and a completion."""
    heard: list[tuple[str, str, object]] = []

    def listen(sender, *, appointment, previous, now, by, **kwargs):
        heard.append((previous, appointment.status, by))

    appointment_status_changed.connect(listen)
    try:
        early = book(clinic, patient, at(9))
        appointment_cancel(appointment=early, now=NOW, by_patient=True)
        late = book(clinic, patient, at(9))
        appointment_status_change(
            appointment=late, action="cancel", now=at(10) - dt.timedelta(days=1), by=rita
        )
        visit = book(clinic, patient, at(11))
        appointment_transition(appointment=visit, action="check_in", now=at(10, 55), by=rita)
        appointment_transition(appointment=visit, action="complete", now=at(12), by=None)
    finally:
        appointment_status_changed.disconnect(listen)
    assert heard == [
        ("confirmed", "cancelled", None),
        ("confirmed", "late_cancelled", rita),
        ("confirmed", "checked_in", rita),
        ("checked_in", "completed", None),
    ]
