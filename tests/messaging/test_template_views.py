"""The manager's pages for the wording of messages: list, edit with checked placeholders,
preview (nothing written, a sandboxed frame) and reset with confirmation."""

import pytest
from django.urls import reverse

from clinic.roles import MANAGER
from messaging.models import MessageTemplate
from tests import factories


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def url(name, *args):
    return reverse(f"messaging_staff:{name}", args=args)


EDIT = url("template_edit", "email", "reminder")


def test_the_list_shows_each_message_edited_or_default_in_fixed_queries(
    manager, django_assert_num_queries
):
    MessageTemplate.objects.create(kind="reminder", channel="email", subject="R", body="Hi")
    manager.get(url("templates"))  # warm the session and permissions
    with django_assert_num_queries(7):
        # session, user, the second factor's device, the user's and the group's
        # permissions, the email wordings saved, the text wordings saved
        page = manager.get(url("templates"))
    text = page.text
    assert text.count('badge text-bg-primary">edited<') == 1
    assert text.count('border">default<') >= 20
    assert EDIT in text


def test_the_front_desk_may_not_edit_or_preview(desk):
    assert desk.get(url("templates")).status_code == 403
    assert desk.get(EDIT).status_code == 403
    assert desk.get(url("template_preview", "email", "reminder")).status_code == 403


def test_an_unknown_message_is_not_found(manager):
    assert manager.get(url("template_edit", "email", "nothing")).status_code == 404
    assert manager.get(url("template_edit", "fax", "reminder")).status_code == 404


def test_the_edit_form_lists_the_placeholders_and_starts_from_the_default(manager):
    page = manager.get(EDIT)
    assert page.status_code == 200
    assert "{{ pre_visit_link }}" in page.text
    assert "{{ first_name }}" in page.text
    assert "Reminder: your appointment" in page.text
    assert 'border">default<' in page.text
    assert 'sandbox=""' in page.text


def test_saving_keeps_the_managers_wording_and_emails_use_it(
    manager, django_capture_on_commit_callbacks
):
    body = "Dear {{ first_name }},\n\nSee you {{ when }} at {{ place }}."
    response = manager.post(EDIT, {"subject": "See you soon, {{ first_name }}", "body": body})
    assert response.status_code == 302
    saved = MessageTemplate.objects.get(kind="reminder", channel="email")
    assert (saved.subject, saved.body) == ("See you soon, {{ first_name }}", body + "\n")
    assert saved.updated_by.username == "mona"
    assert "edited" in manager.get(EDIT).text


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            "Hello {{ fist_name }}",
            "Unknown placeholder {{ fist_name }}. Did you mean {{ first_name }}?",
        ),
        ("Hello {{ first_name ", "does not open or close a placeholder"),
        ("{% for x in y %}{% endfor %}", "is a template tag"),
        ("<b>{{ first_name|safe }}</b>", "uses a filter"),
    ],
)
def test_a_broken_placeholder_is_refused_keeping_what_was_typed(manager, body, says):
    response = manager.post(EDIT, {"subject": "Reminder", "body": body})
    assert response.status_code == 400
    assert says in response.text.replace("&quot;", '"').replace("&#x27;", "'")
    assert "This message may use: {{ first_name }}" in response.text
    assert body.replace("<", "&lt;").replace(">", "&gt;") in response.text
    assert not MessageTemplate.objects.exists()


def test_a_bad_subject_is_refused_too(manager):
    response = manager.post(EDIT, {"subject": "Hi {{ patient.email }}", "body": "Hello"})
    assert response.status_code == 400
    assert "Subject: Line 1: {{ patient.email }} is not a placeholder" in response.text
    assert not MessageTemplate.objects.exists()


def test_the_preview_renders_the_demo_patient_and_writes_nothing(
    manager, django_assert_num_queries, settings
):
    preview = url("template_preview", "email", "reminder")
    manager.get(preview)
    with django_assert_num_queries(6):
        # session, user, device, the user's and the group's permissions, the wording
        page = manager.get(preview)
    assert "Hello Dana," in page.text
    assert f"Questions? Call us on {settings.CLINIC_PHONE}." in page.text
    assert "Tuesday 8 December 2026, 14:30" in page.text
    assert "Plain-text part" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "sandbox" in csp
    assert "frame-ancestors 'self'" in csp
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"

    typed = manager.post(preview, {"subject": "Soon", "body": "Hi {{ first_name }} at {{ place }}"})
    assert "Hi Dana at Riverside Clinic" in typed.text
    refused = manager.post(preview, {"subject": "Soon", "body": "Hi {{ nobody }}"})
    assert "Unknown placeholder {{ nobody }}" in refused.text
    assert not MessageTemplate.objects.exists()


def test_reset_asks_first_then_goes_back_to_the_default(manager):
    MessageTemplate.objects.create(kind="reminder", channel="email", subject="R", body="Hi")
    reset = url("template_reset", "email", "reminder")
    asked = manager.post(reset)
    assert "Reset “Reminder” to the default wording?" in asked.text
    assert MessageTemplate.objects.exists()
    done = manager.post(reset, {"confirm": "yes"}, follow=True)
    assert "is back to the default wording" in done.text
    assert not MessageTemplate.objects.exists()
    assert 'border">default<' in done.text


def test_a_text_kind_is_edited_without_a_subject_and_previewed_as_text(
    manager, kinds, settings, tmp_path
):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "test_nudge.txt").write_text("{{ first_name }}, book: {{ link }}\n")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    kinds.text("test_nudge", "Nudge (test)", (*kinds.PATIENT, "link"))
    edit = url("template_edit", "text", "test_nudge")
    page = manager.get(edit)
    assert 'name="subject"' not in page.text
    assert "{{ first_name }}, book: {{ link }}" in page.text
    preview = manager.get(url("template_preview", "text", "test_nudge")).text
    assert "Dana, book: https://clinic.example/appointment/sample-link/" in preview
    assert manager.post(edit, {"body": "Hi {{ first_name }}"}).status_code == 302
    assert MessageTemplate.objects.get(channel="text").subject == ""
