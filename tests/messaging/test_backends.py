"""The backends chosen by TEXTERS, and what the console shows."""

import pytest
from django.urls import reverse

import messaging
from clinic.roles import MANAGER, RECEPTIONIST
from messaging.backends import console, get_backend, locmem
from messaging.backends.base import Text
from messaging.models import MessagingSettings
from tests import factories

LINK = "https://clinic.example/t/abcd2345"


def test_texts_off_means_no_backend(settings):
    settings.TEXTERS = {}
    assert get_backend() is None


@pytest.mark.parametrize("module", [console, locmem])
def test_the_setting_picks_the_backend(settings, module):
    settings.TEXTERS = {"default": {"BACKEND": f"{module.__name__}.TextBackend"}}
    assert isinstance(get_backend(), module.TextBackend)


def test_the_console_prints_each_text_whole(capsys):
    body = f"Riverside: see you Mon 11 Jan, 09:00. Details: {LINK} Reply C to confirm."
    provider_id = console.TextBackend().send(Text(to="+447400123456", body=body, segments=1))
    out = capsys.readouterr().out
    assert "Text to +447400123456 (1 part, " in out
    assert f"\n{body}\n" in out  # on one line: the link is never wrapped or cut
    assert provider_id.startswith("console-")


def test_locmem_keeps_what_it_sent(text_outbox):
    text = Text(to="+447400123456", body="Hello")
    locmem.TextBackend().send(text)
    assert messaging.outbox == [text]


def test_the_manager_edits_the_text_settings(client, db):
    factories.signed_in(client, factories.staff(username="mona", role=MANAGER))
    rules = MessagingSettings.load()
    url = reverse("admin:messaging_messagingsettings_change", args=[rules.pk])
    response = client.post(
        url,
        {
            "texts_to_everyone": "on",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:30",
            "daily_limit": "4",
        },
    )
    assert response.status_code == 302
    rules.refresh_from_db()
    assert rules.texts_to_everyone
    assert (str(rules.quiet_hours_start), str(rules.quiet_hours_end)) == ("22:00:00", "07:30:00")
    assert rules.daily_limit == 4


def test_a_daily_limit_of_zero_is_refused(client, db):
    factories.signed_in(client, factories.staff(username="mona", role=MANAGER))
    rules = MessagingSettings.load()
    url = reverse("admin:messaging_messagingsettings_change", args=[rules.pk])
    response = client.post(
        url, {"quiet_hours_start": "21:00", "quiet_hours_end": "08:00", "daily_limit": "0"}
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.text
    rules.refresh_from_db()
    assert rules.daily_limit == 6


def test_the_desk_cannot_change_them(client, db):
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    rules = MessagingSettings.load()
    url = reverse("admin:messaging_messagingsettings_change", args=[rules.pk])
    assert client.get(url).status_code in {302, 403}
