"""Who gets texts, and which numbers fail."""

import datetime as dt

import pytest

from messaging.models import MessagingSettings, TextMessage, TextState
from messaging.selectors import FAILING_AFTER, failing_number, wants_texts
from patients.models import ContactMethod
from tests import factories

MOBILE = "+447400123456"
NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def mo(db):
    return factories.patient(first_name="Mo", phone=MOBILE)


def text(patient, state, *, to=MOBILE, minutes=0):
    message = TextMessage.objects.create(
        patient=patient, kind="booked", to=to, body="x", send_after=NOW, state=state
    )
    return message


def test_a_patient_who_chose_texts_wants_them(mo):
    assert not wants_texts(mo)
    mo.preferred_contact = ContactMethod.SMS
    assert wants_texts(mo)


def test_the_manager_can_text_everyone(mo):
    rules = MessagingSettings.load()
    rules.texts_to_everyone = True
    rules.save()
    assert wants_texts(mo)


def test_three_failures_in_a_row_flag_the_number(mo):
    for _ in range(FAILING_AFTER - 1):
        text(mo, TextState.FAILED)
    assert not failing_number(mo)
    text(mo, TextState.FAILED)
    assert failing_number(mo)


def test_one_delivery_clears_the_flag(mo):
    for state in (TextState.FAILED, TextState.FAILED, TextState.DELIVERED, TextState.FAILED):
        text(mo, state)
    assert not failing_number(mo)


def test_texts_that_never_left_do_not_count(mo):
    for _ in range(FAILING_AFTER):
        text(mo, TextState.FAILED)
    text(mo, TextState.NOT_SENT)
    text(mo, TextState.QUEUED)
    assert failing_number(mo)


def test_a_new_number_starts_clean(mo):
    for _ in range(FAILING_AFTER):
        text(mo, TextState.FAILED)
    mo.phone = "+447400654321"
    mo.save()
    assert not failing_number(mo)


def test_it_is_one_query(mo, django_assert_num_queries):
    with django_assert_num_queries(1):  # the last texts' states to this number
        failing_number(mo)
