"""Every staff URL against every kind of visitor: who is sent to sign in, who is refused,
who gets the page. State changes are POST-only."""

import pytest
from django.test import Client
from django.urls import reverse

from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from tests import factories
from tests.factories import at, book

LOGIN = "/staff/login/"


@pytest.fixture
def setup(clinic, patient):
    appointment = book(clinic, patient, at(10))
    entry = factories.waitlist_entry(patient=patient, service=clinic.follow_up, source="front_desk")
    ref = appointment.reference
    slug = clinic.location.slug
    urls = {
        # name: (method, url, status for a user with the role)
        "home": ("get", reverse("staff:home"), 302),
        "day": ("get", reverse("staff:day", args=[slug]), 200),
        "week": ("get", reverse("staff:week", args=[slug, clinic.alice.pk]), 200),
        "book": ("get", reverse("staff:book", args=[slug]), 200),
        "book_post": ("post", reverse("staff:book", args=[slug]), 400),
        "appointment": ("get", reverse("staff:appointment", args=[ref]), 200),
        "status": ("post", reverse("staff:appointment_status", args=[ref]), 302),
        "cancel": ("post", reverse("staff:appointment_cancel", args=[ref]), 302),
        "reschedule": ("get", reverse("staff:appointment_reschedule", args=[ref]), 200),
        "patients": ("get", reverse("patients_staff:patients"), 200),
        "patient_new": ("get", reverse("patients_staff:patient_new"), 200),
        "patient": ("get", reverse("patients_staff:patient", args=[patient.pk]), 200),
        "waitlist_new": ("get", reverse("staff:waitlist_new", args=[patient.pk]), 200),
        "waitlist": ("get", reverse("staff:waitlist"), 200),
        "waitlist_status": ("post", reverse("staff:waitlist_status", args=[entry.pk]), 302),
    }
    return urls


def _client(kind: str, clinic) -> Client:
    client = Client()
    if kind == "receptionist":
        client.force_login(factories.staff(username="rita", role=RECEPTIONIST))
    elif kind == "practitioner":
        client.force_login(factories.in_role(clinic.alice.user, PRACTITIONER))
    elif kind == "manager":
        client.force_login(factories.staff(username="mona", role=MANAGER))
    elif kind == "no_role":
        client.force_login(factories.staff(username="nora"))
    elif kind == "patient_link_holder":
        # Patients have no accounts: a patient holds only a link (a session cookie from
        # the public pages at most), so staff pages treat them as anonymous.
        client.get("/")
    return client


@pytest.mark.parametrize(
    "kind",
    ["anonymous", "patient_link_holder", "no_role", "receptionist", "practitioner", "manager"],
)
def test_it_checks_every_staff_url(kind, clinic, setup):
    client = _client(kind, clinic)
    for name, (method, url, allowed) in setup.items():
        response = getattr(client, method)(url)
        if kind in ("anonymous", "patient_link_holder"):
            assert response.status_code == 302, name
            assert response.url.startswith(LOGIN + "?next="), name
        elif kind == "no_role":
            assert response.status_code == 403, name
        else:
            assert response.status_code == allowed, (name, response.status_code)
            if response.status_code == 302:
                assert not response.url.startswith(LOGIN), name


def test_it_refuses_get_on_state_changes(clinic, setup):
    client = Client()
    client.force_login(factories.staff(username="rita", role=RECEPTIONIST))
    for name in ("status", "cancel", "waitlist_status"):
        _, url, _ = setup[name]
        assert client.get(url).status_code == 405, name


def test_it_requires_csrf_on_state_changes(clinic, setup):
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.staff(username="rita", role=RECEPTIONIST))
    for name in ("status", "cancel", "waitlist_status", "book_post"):
        _, url, _ = setup[name]
        assert client.post(url).status_code == 403, name
