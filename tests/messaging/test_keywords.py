import pytest

from messaging.keywords import Keyword, keyword, normalised


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("C", Keyword.CONFIRM),
        (" confirm ", Keyword.CONFIRM),
        ("c!", Keyword.CONFIRM),
        ("X", Keyword.CANCEL),
        ("x.", Keyword.CANCEL),
        ("STOP", Keyword.STOP),
        ("Stop.", Keyword.STOP),
        ("stop all", Keyword.STOP),
        # Twilio's own opt-out words stop texts, whatever the patient meant by them.
        ("CANCEL", Keyword.STOP),
        ("end", Keyword.STOP),
        ("Quit", Keyword.STOP),
        ("unsubscribe", Keyword.STOP),
        ("REVOKE", Keyword.STOP),
        ("optout", Keyword.STOP),
        ("START", Keyword.START),
        ("yes", Keyword.START),
        ("Unstop", Keyword.START),
        ("Yes please", Keyword.OTHER),
        ("stop texting me on Tuesdays", Keyword.OTHER),
        ("can I come at 3?", Keyword.OTHER),
        ("👍", Keyword.OTHER),
        ("", Keyword.OTHER),
        ("HELP", Keyword.OTHER),
    ],
)
def test_it_reads_a_reply_as_one_word(body, expected):
    assert keyword(body) is expected


def test_an_emoji_only_reply_reads_as_nothing():
    assert normalised("👍🙏 !!") == ""
