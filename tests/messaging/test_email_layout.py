"""Every patient email in one layout: a plain-text part wrapped at 72 characters with each
link whole on its own line (also after the transfer encoding), the clinic's name and phone
at the foot; an HTML part with a heading, a preheader, the button and its address."""

import email
import re
from email import policy

import pytest
import time_machine

from booking.notify.emails import appointment_email, sign_in_email
from messaging.email_layout import LINK, Action, text_part
from tests import factories
from tests.factories import NOW, at


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booked(clinic, patient, settings):
    settings.SITE_URL = "https://clinic.example"
    appointment = factories.book(clinic, patient, at(9), source="online")
    return appointment_email(appointment, "booked")


def decoded_parts(message):
    """The parts as a mail client reads them, from the bytes that would be sent."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_the_text_part_wraps_prose_and_keeps_each_link_whole_on_its_own_line(booked, settings):
    text, _html = decoded_parts(booked)
    links = LINK.findall(text)
    assert any("/appointment/" in link for link in links)
    lines = text.splitlines()
    for link in links:
        assert link in lines, link  # alone on its line, whole after quoted-printable
    for line in lines:
        assert len(line) <= 72 or LINK.fullmatch(line), line
    assert lines[-3:] == [settings.CLINIC_NAME, settings.CLINIC_PHONE, "https://clinic.example/"]


def test_a_long_link_in_a_sentence_goes_whole_onto_a_line_of_its_own():
    url = "https://clinic.example/my/sign-in/" + "x" * 150 + "/"
    body = f"Hello,\n\nYour link is {url}. It works for 30 minutes, and only once, so keep it safe."
    text = text_part(body, action=Action("Sign in", url))
    lines = text.splitlines()
    assert lines[2:5] == [
        "Your link is",
        url,
        ". It works for 30 minutes, and only once, so keep it safe.",
    ]
    assert lines.count(url) == 2  # in the sentence and under the button's label
    assert "Sign in:" in lines


def test_the_sign_in_link_survives_the_transfer_encoding(patient, settings):
    settings.SITE_URL = "https://clinic.example"
    message = sign_in_email(patient)
    raw = message.message().as_bytes().decode()
    text, html = decoded_parts(message)
    [link] = [line for line in text.splitlines() if "/my/sign-in/" in line]
    assert link.startswith("https://clinic.example/my/sign-in/")
    assert f'href="{link}"' in html
    if "quoted-printable" in raw:
        assert "=\n" in raw or link in raw  # the raw source may be folded; clients decode


def test_the_html_part_is_the_branded_accessible_layout(booked, settings):
    _text, html = decoded_parts(booked)
    assert '<html lang="en"' in html
    assert 'role="article"' in html
    assert re.search(r"<h1[^>]*>Your appointment is booked</h1>", html)
    assert "max-width:600px" in html
    assert "<!--[if mso]>" in html  # Outlook's fixed 600 px table
    assert 'alt=""' in html
    assert "brand/mark-email.png" in html
    assert "#0b5f63" in html  # the clinic's teal
    manage = next(link for link in LINK.findall(html) if "/appointment/" in link)
    assert html.count(f'href="{manage}"') == 2  # the button, and the address printed
    assert f">{manage}</a>" in html
    preheader = html.split('aria-hidden="true"', 1)[1].split(">", 1)[1].split("</div>", 1)[0]
    assert preheader.startswith("You&#x27;re booked in.")  # the greeting left out
    assert settings.CLINIC_PHONE in html


def test_nothing_typed_becomes_html(clinic, settings):
    patient = factories.patient(first_name="<script>alert(1)</script>")
    appointment = factories.book(clinic, patient, at(9), source="online")
    message = appointment_email(appointment, "booked")
    html = message.alternatives[0].content
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Hello <script>alert(1)</script>," in message.body
