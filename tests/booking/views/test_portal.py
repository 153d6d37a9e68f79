"""The passwordless portal: one answer for every address, a rate limit, own data only."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import links
from booking.models import Appointment, AppointmentStatus
from tests import factories
from tests.factories import NOW, at


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def book(clinic, patient, hour):
    return factories.book(clinic, patient, at(hour), source="online")


def ask(client, email):
    with CaptureQueriesContext(connection) as queries:
        page = client.post(reverse("booking:portal_sign_in"), {"email": email})
    return page, [re.sub(r"'[^']*'", "?", q["sql"]) for q in queries.captured_queries]


def without_csrf(text: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_it_answers_the_same_for_known_and_unknown_addresses(
    client, patient, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as known_tasks:
        known, known_sql = ask(client, patient.email)
    with django_capture_on_commit_callbacks(execute=False) as unknown_tasks:
        unknown, unknown_sql = ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.text) == without_csrf(unknown.text)
    assert "If that address is in our records" in known.text
    # The same work either way: the same statements, and one task enqueued after commit
    # (the task, not the page, looks the address up).
    assert known_sql == unknown_sql
    assert len(known_tasks) == len(unknown_tasks) == 1
    for callback in known_tasks + unknown_tasks:
        callback()
    [message] = mailoutbox
    assert message.to == [patient.email]
    assert "/my/sign-in/" in message.body


def test_it_rate_limits_by_address(client, patient, settings):
    settings.CLINIC_SIGN_IN_PER_EMAIL = 3
    for _ in range(3):
        assert ask(client, patient.email)[0].status_code == 200
    limited, _ = ask(client, patient.email.upper())
    assert limited.status_code == 429
    assert "Too many" in limited.text
    assert ask(client, "someone-else@example.com")[0].status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=1, minutes=1), tick=False):
        assert ask(client, patient.email)[0].status_code == 200


def test_it_rate_limits_by_ip(client, settings, db):
    settings.CLINIC_SIGN_IN_PER_IP = 2
    assert ask(client, "a@example.com")[0].status_code == 200
    assert ask(client, "b@example.com")[0].status_code == 200
    assert ask(client, "c@example.com")[0].status_code == 429


def test_it_opens_only_its_own_patients_data(client, clinic, patient, dana):
    book(clinic, patient, 9)
    book(clinic, dana, 14)
    url = reverse("booking:portal_enter", args=[links.sign_in_token(patient)])
    assert "Continue as Charlie" in client.get(url).text
    assert client.post(url).url == reverse("booking:portal")
    page = client.get(reverse("booking:portal"))
    assert "Hello Charlie" in page.text
    assert "09:00" in page.text
    assert "14:00" not in page.text
    assert "Dana" not in page.text


@pytest.mark.parametrize("age", [dt.timedelta(minutes=31)])
def test_it_refuses_an_expired_or_tampered_sign_in_link(client, patient, age):
    token = links.sign_in_token(patient)
    with time_machine.travel(NOW + age, tick=False):
        expired = client.post(reverse("booking:portal_enter", args=[token]))
    assert expired.status_code == 400
    assert "expired" in expired.text
    tampered = client.get(reverse("booking:portal_enter", args=[token + "x"]))
    assert tampered.status_code == 400
    assert client.get(reverse("booking:portal")).url == reverse("booking:portal_sign_in")


def sign_in(client, patient):
    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))


def test_it_books_a_confirmed_follow_up_for_a_returning_patient(client, clinic, patient):
    book(clinic, patient, 9)  # the initial assessment
    sign_in(client, patient)
    hold = client.post(
        reverse("booking:hold", args=[clinic.follow_up.slug, clinic.location.slug]),
        {"start": "20270112T1000Z", "practitioner": "any"},
    )
    details = client.get(hold.url)
    assert "Booking as" in details.text
    assert "Charlie Patient" in details.text
    client.post(hold.url, {"start": "20270112T1000Z", "practitioner": "any"})
    page = client.post(reverse("booking:review"), follow=True)
    assert "You're booked in" in page.text
    follow_up = Appointment.objects.get(service=clinic.follow_up)
    assert follow_up.status == AppointmentStatus.CONFIRMED
    assert follow_up.patient == patient


def test_it_lists_appointments_in_constant_queries(
    client, clinic, patient, django_assert_num_queries
):
    sign_in(client, patient)
    for hour in (9, 14):
        book(clinic, patient, hour)
        # 1 session, 2 the signed-in patient, 3 their appointments with service,
        # location, practitioner and user (the intake link is signed, not looked up),
        # 4 the access log entry.
        with django_assert_num_queries(4):
            page = client.get(reverse("booking:portal"))
        assert page.status_code == 200


def test_it_signs_out(client, patient):
    sign_in(client, patient)
    client.post(reverse("booking:portal_sign_out"))
    assert client.get(reverse("booking:portal")).url == reverse("booking:portal_sign_in")


def test_it_lists_the_invoices_to_pay_each_with_its_pay_link(
    client, patient, dana, settings, django_assert_num_queries
):
    from billing.links import invoice_id_from_pay_token
    from billing.models import Payer

    settings.CLINIC_ONLINE_PAYMENTS = True
    owing = factories.invoice(patient, "60.00")
    paid = factories.invoice(patient, "40.00")
    factories.payment(patient, "40.00", (paid, "40.00"))
    insurer = Payer.objects.create(kind="insurer", name="Bupa")
    insured = factories.invoice(patient, "80.00", payer=insurer)
    theirs = factories.invoice(dana, "70.00")
    sign_in(client, patient)
    # 1 session, 2 the patient, 3 appointments, 4 the access log, 5 the invoices owed.
    with django_assert_num_queries(5):
        page = client.get(reverse("booking:portal"))
    assert "Invoices to pay" in page.text
    # Each link's token carries the second it was signed: read which invoice it names.
    tokens = re.findall(r'href="/pay/([^/"]+)/"', page.text)
    assert [invoice_id_from_pay_token(token) for token in tokens] == [owing.pk]
    assert "£60.00 due" in page.text
    for other in (paid, insured, theirs):
        assert other.number not in page.text

    settings.CLINIC_ONLINE_PAYMENTS = False
    assert "Invoices to pay" not in client.get(reverse("booking:portal")).text
