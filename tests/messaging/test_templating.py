"""The manager's wording: text and known placeholders only, each refusal naming the
problem, its line and the placeholders allowed."""

import pytest

from messaging import catalogue, templating
from messaging.rendering import default_wording

ALLOWED = ("first_name", "when", "link")


def test_it_renders_known_placeholders_as_plain_text():
    templating.check("Hello {{ first_name }}, see you {{when}}.", ALLOWED)
    rendered = templating.render("Hi {{ first_name }}", {"first_name": "<b>Dana</b> & co"})
    assert rendered == "Hi <b>Dana</b> & co"  # escaped by the layout, not here


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (
            "Hello {{ firstname }}",
            "Unknown placeholder {{ firstname }}. Did you mean {{ first_name }}?",
        ),
        ("Hello {{ patient.first_name }}", "{{ patient.first_name }} is not a placeholder"),
        ("Hello {{ first_name|upper }}", "uses a filter"),
        ("{% if when %}soon{% endif %}", "{% if when %} is a template tag"),
        ("{% load static %}", "is a template tag"),
        ("Hello {{ first_name", "“{{” does not open or close a placeholder"),
        ("Hello first_name }}", "“}}” does not open or close a placeholder"),
        ("Hello {{ }}", "An empty {{ }}"),
        ("{# note #}Hello", "comments are not allowed"),
        ("{{ settings.SECRET_KEY }}", "is not a placeholder"),
    ],
)
def test_it_refuses_anything_else_naming_the_problem_and_the_allowed_names(source, says):
    with pytest.raises(templating.TemplateRefused) as refused:
        templating.check(f"Line one\n{source}", ALLOWED)
    message = refused.value.message
    assert message.startswith("Line 2: ")
    assert says in message
    assert message.endswith("This message may use: {{ first_name }}, {{ when }}, {{ link }}.")


@pytest.mark.parametrize("kind", catalogue.by_channel(catalogue.EMAIL), ids=lambda k: k.name)
def test_every_default_email_is_wording_the_manager_could_have_saved(kind):
    subject, body = default_wording(kind, catalogue.EMAIL)
    templating.check(subject, kind.placeholders)
    templating.check(body, kind.placeholders)


def test_a_text_kind_is_one_line(kinds):
    kind = kinds.text("test_recall", "Recall (test)", (*kinds.PATIENT, "link"))
    assert kind.channels == {kinds.TEXT}
    assert kind.default_path(kinds.TEXT) == "texts/test_recall.txt"
    assert kinds.get("test_recall", kinds.TEXT) is kind
    with pytest.raises(KeyError):
        kinds.get("test_recall", kinds.EMAIL)
    booked = kinds.text("booked")
    assert booked.channels == {kinds.EMAIL, kinds.TEXT}
    assert booked.placeholders == kinds.APPOINTMENT
    assert booked.subject == "Your appointment is booked"


CLINICAL = ["screening", "pregnan", "anticoagul", "diagnos", "epilep", "needl", "pain", "injur"]


@pytest.mark.parametrize("kind", catalogue.by_channel(catalogue.EMAIL), ids=lambda k: k.name)
def test_no_default_wording_says_anything_clinical(kind):
    subject, body = default_wording(kind, catalogue.EMAIL)
    words = (subject + body).lower()
    assert [word for word in CLINICAL if word in words] == []
