"""The clinic's own error pages, and a 503 when the database fails."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from tests.factories import signed_in


@pytest.fixture
def visitor() -> Client:
    # Like a real server: an exception becomes the error page, not a test failure.
    return Client(raise_request_exception=False)


def database_down(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def in_clinic_look(page) -> bool:
    text = page.content.decode()
    return "Riverside Dry Needling Clinic" in text and 'rel="stylesheet"' in text


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_down(visitor, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    with connection.execute_wrapper(database_down):
        page = visitor.get("/")
        posted = visitor.post("/book/initial/riverside/hold/", {"start": "20270111T0900Z"})

    for response in (page, posted):
        assert response.status_code == 503
        assert "Please try again in a moment" in response.content.decode()
        assert response["Retry-After"] == "30"
        assert "Traceback" not in response.content.decode()
        assert "Content-Security-Policy" in response
        assert in_clinic_look(response)
    # The failure is logged, with its cause, for whoever looks after the server.
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged
    assert all(r.exc_info and r.exc_info[0] is OperationalError for r in logged)


@pytest.mark.django_db
def test_it_shows_a_500_page_without_a_traceback(visitor, monkeypatch):
    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr("clinic.views.bookable_services", broken)

    page = visitor.get("/")

    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    assert "a bug" not in page.content.decode()
    assert in_clinic_look(page)


@pytest.mark.django_db
def test_it_shows_a_404_page(visitor):
    page = visitor.get("/no-such-page/")

    assert page.status_code == 404
    assert "Page not found" in page.content.decode()
    assert in_clinic_look(page)


@pytest.mark.django_db
def test_it_shows_a_403_page(visitor):
    user = get_user_model().objects.create_user(username="nobody", is_staff=True)
    signed_in(visitor, user)  # both factors: signed in, but with no permission

    page = visitor.get(reverse("staff:home"))

    assert page.status_code == 403
    assert "Not allowed" in page.content.decode()
    assert in_clinic_look(page)


@pytest.mark.django_db
def test_it_shows_a_400_page(visitor):
    page = visitor.get("/", headers={"host": "unknown.example"})

    assert page.status_code == 400
    assert "Bad request" in page.content.decode()
    assert in_clinic_look(page)
