"""Messages to patients by text (SMS): the channel, its log, consent, and patients' replies.

Emails stay with the app whose event they tell of (booking.notify, billing.notify); this
app holds what is shared by every message and the text channel itself (decision 0107).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from messaging.backends.base import Text

# What the local-memory backend "sent", as django.core.mail.outbox holds emails; the tests
# empty it before each test.
outbox: list["Text"] = []
