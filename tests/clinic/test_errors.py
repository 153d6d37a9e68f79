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


def in_staff_look(page) -> bool:
    text = page.content.decode()
    return "Riverside Dry Needling Clinic · Staff" in text and "build/staff.css" in text


def in_public_look(page) -> bool:
    return in_clinic_look(page) and "Book online" in page.content.decode()


@pytest.mark.django_db
def test_a_403_in_the_staff_area_is_a_staff_page_saying_whom_to_ask(visitor):
    user = get_user_model().objects.create_user(username="nobody", is_staff=True)
    signed_in(visitor, user)  # both factors: signed in, but with no permission

    pages = [visitor.get(reverse("staff:home")), visitor.get("/admin/patients/patient/")]

    for page in pages:
        text = page.content.decode()
        assert page.status_code == 403
        assert in_staff_look(page)
        assert not in_public_look(page)
        assert "You don&#x27;t have access to this page" in text
        assert "ask the clinic manager" in text
        assert 'href="/staff/"' in text
        assert "Sign out" in text  # the signed-in member's own menu


def strict() -> Client:
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.mark.django_db
def test_an_expired_staff_form_says_so_in_the_staff_layout_even_without_a_database():
    client = strict()
    with connection.execute_wrapper(database_down):
        page = client.post(reverse("login"), {"username": "rita", "password": "x"})

    text = page.content.decode()
    assert page.status_code == 403
    assert in_staff_look(page)
    assert "This form has expired" in text
    assert "sign in again" in text
    assert f'href="{reverse("login")}"' in text
    assert "CSRF verification failed" not in text  # not Django's own page


@pytest.mark.django_db
def test_a_signed_in_member_posting_a_stale_form_gets_the_staff_page(desk):
    client = strict()
    client.cookies = desk.cookies  # the receptionist's session, without a form token

    page = client.post(reverse("logout"))

    assert page.status_code == 403
    assert in_staff_look(page)
    assert "This form has expired" in page.content.decode()


@pytest.mark.django_db
def test_an_expired_public_form_says_so_in_the_public_layout():
    client = strict()
    with connection.execute_wrapper(database_down):
        page = client.post(reverse("booking:portal_sign_in"), {"email": "a@example.com"})

    assert page.status_code == 403
    assert in_public_look(page)
    assert "This form has expired" in page.content.decode()
    assert "reload the page" in page.content.decode()


@pytest.mark.django_db
def test_it_shows_a_400_page(visitor):
    page = visitor.get("/", headers={"host": "unknown.example"})

    assert page.status_code == 400
    assert "Bad request" in page.content.decode()
    assert in_clinic_look(page)
