"""The demo's texts: one patient who prefers texts, a text in each state; once only."""

import datetime as dt

from messaging.demo import DEMO_MOBILE, seed_texts
from messaging.models import TextMessage, TextState
from messaging.selectors import wants_texts
from tests import factories

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)


def test_it_seeds_each_state_once(db):
    niamh = factories.patient(first_name="Niamh")
    oliver = factories.patient(first_name="Oliver", phone="+441134960512")
    assert seed_texts(texter=niamh, landline=oliver, now=NOW) == 5
    niamh.refresh_from_db()
    assert niamh.phone.as_e164 == DEMO_MOBILE
    assert wants_texts(niamh)
    states = set(TextMessage.objects.values_list("state", flat=True))
    assert states == {TextState.SENT, TextState.DELIVERED, TextState.FAILED, TextState.NOT_SENT}
    landline = TextMessage.objects.get(patient=oliver)
    assert landline.reason.startswith("landline")
    assert seed_texts(texter=niamh, landline=oliver, now=NOW) == 0
    assert TextMessage.objects.count() == 5
