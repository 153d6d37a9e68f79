"""The daily limit holds when several tasks queue texts for one patient at once: each
counts under the patient's lock, so none takes a place another already took."""

import threading

import pytest
from django.db import connection

from messaging.models import MessagingSettings, TextMessage, TextState
from messaging.services.texts import queue_text
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT, TASKS = 3, 6


def test_simultaneous_texts_never_pass_the_limit(time_machine):
    time_machine.move_to("2027-01-04T10:00:00Z", tick=False)
    patient = factories.patient(first_name="Mo", phone="+447400123456")
    rules = MessagingSettings.load()
    rules.daily_limit = LIMIT
    rules.save()
    barrier = threading.Barrier(TASKS, timeout=10)
    errors = []

    def task(n: int) -> None:
        try:
            barrier.wait()
            queue_text(patient, kind="booked", body=f"Text {n}")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=task, args=(n,)) for n in range(TASKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    states = list(TextMessage.objects.values_list("state", flat=True))
    assert len(states) == TASKS
    assert states.count(TextState.NOT_SENT) == TASKS - LIMIT
    assert TextMessage.objects.filter(reason__startswith="daily limit").count() == TASKS - LIMIT
