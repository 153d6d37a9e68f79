"""What a patient's reply asks for, read from its words alone. Pure: no Django.

Twilio acts on some words before the clinic sees them (decision 0109): on a long code it
stops every later text to a number that sends an opt-out word, and starts them again on
an opt-in word, whatever the clinic meant the word to do. So those words are read here
exactly as Twilio reads them (CANCEL is a STOP, YES is a START), and the clinic's own
commands are words Twilio leaves alone: C or CONFIRM to confirm, X to cancel.
"""

import enum
import unicodedata


class Keyword(enum.StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    STOP = "stop"
    START = "start"
    OTHER = "other"


# Twilio's default opt-out and opt-in keywords for long codes.
TWILIO_OPT_OUT = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
TWILIO_OPT_IN = frozenset({"start", "yes", "unstop"})
CONFIRM_WORDS = frozenset({"c", "confirm"})
CANCEL_WORDS = frozenset({"x"})


def normalised(body: str) -> str:
    """The reply as one lower-case word: spaces, punctuation and symbols dropped ("Stop."
    and " c! " read as "stop" and "c"); an emoji-only reply reads as empty."""
    kept = (ch for ch in unicodedata.normalize("NFKC", body) if unicodedata.category(ch)[0] in "LN")
    return "".join(kept).casefold()


def keyword(body: str) -> Keyword:
    """A keyword only when the whole reply is that word; anything longer ("stop texting
    me on Tuesdays", "can I come at 3?") is for the desk to read."""
    word = normalised(body)
    if word in TWILIO_OPT_OUT:
        return Keyword.STOP
    if word in TWILIO_OPT_IN:
        return Keyword.START
    if word in CONFIRM_WORDS:
        return Keyword.CONFIRM
    if word in CANCEL_WORDS:
        return Keyword.CANCEL
    return Keyword.OTHER
