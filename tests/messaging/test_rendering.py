"""render_message: the manager's wording when saved, else the default file; one query."""

import pytest

from messaging import catalogue
from messaging.models import MessageTemplate
from messaging.rendering import Action, default_wording, render_message

CONTEXT = {"first_name": "Dana", "link": "https://clinic.example/my/invoices/"}


def test_it_renders_the_default_file(db, django_assert_num_queries, settings):
    with django_assert_num_queries(1):  # the lookup of the manager's wording
        rendered = render_message(
            "invoice_ready", "email", CONTEXT, action=Action("Your invoices", CONTEXT["link"])
        )
    assert rendered.subject == "Your invoice is ready"
    assert rendered.text.startswith("Hello Dana,\n\nYour invoice is ready.")
    assert f"Questions? Call us on {settings.CLINIC_PHONE}." in rendered.text
    assert "Your invoices:\nhttps://clinic.example/my/invoices/\n" in rendered.text
    assert "<h1" in rendered.html


def test_the_managers_wording_replaces_it(db, django_assert_num_queries):
    MessageTemplate.objects.create(
        kind="invoice_ready",
        channel="email",
        subject="{{ first_name }}, an invoice from {{ clinic_name }}",
        body="Hi {{ first_name }}!\n\nHere it is.",
    )
    with django_assert_num_queries(1):
        rendered = render_message("invoice_ready", "email", CONTEXT)
    assert rendered.subject.startswith("Dana, an invoice from ")
    assert rendered.text.startswith("Hi Dana!\n\nHere it is.\n\n-- \n")
    assert "Here it is." in rendered.html


def test_a_text_kind_renders_its_saved_wording_and_a_placeholder_left_out_is_empty(db, kinds):
    kinds.text("test_nudge", "Nudge (test)", (*kinds.PATIENT, "link"))
    MessageTemplate.objects.create(
        kind="test_nudge", channel="text", body="{{ first_name }}: {{ link }} {{ clinic_phone }}"
    )
    rendered = render_message("test_nudge", "text", {"first_name": "Dana"})
    assert rendered.subject == rendered.html == ""
    assert rendered.text.startswith("Dana:  ")


def test_a_text_kind_defaults_to_its_file(db, kinds, settings, tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "test_nudge.txt").write_text("Book again: {{ link }}\n")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    kinds.text("test_nudge", "Nudge (test)", ("link",))
    rendered = render_message("test_nudge", "text", {"link": "https://c.example/b/"})
    assert rendered.text == "Book again: https://c.example/b/"


def test_an_unknown_kind_or_channel_is_refused(db):
    with pytest.raises(KeyError):
        render_message("nothing_like_it", "email", {})
    with pytest.raises(KeyError):
        render_message("invoice_ready", catalogue.TEXT, {})


def test_a_default_wrapped_in_autoescape_off_is_the_wording_inside(db, kinds, settings, tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "test_nudge.txt").write_text(
        "{% autoescape off %}{{ clinic_name }}: {{ first_name }} & co, {{ link }}"
        "{% endautoescape %}\n"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    kind = kinds.text("test_nudge", "Nudge (test)", (*kinds.PATIENT, "link"))
    _subject, body = default_wording(kind, kinds.TEXT)
    assert body == "{{ clinic_name }}: {{ first_name }} & co, {{ link }}"
    rendered = render_message(
        "test_nudge", "text", {"first_name": "Dana", "link": "https://c.example/"}
    )
    assert rendered.text == f"{settings.CLINIC_NAME}: Dana & co, https://c.example/"
