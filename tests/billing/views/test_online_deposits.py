"""Booking with a deposit, end to end: the public booking pages, the local Stripe's hosted
page reached over real HTTP, and Stripe's signed events delivered to the clinic's
webhook. Nothing is booked until the webhook; an abandoned page leaves the time free; a
payment that cannot book goes back to the card with the nearest free times; a replay
books once; two patients paying for one time at once: one booked, one refunded."""

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from billing.models import (
    BookingCheckout,
    BookingCheckoutStatus,
    CancellationTerms,
    FeeBasis,
    PaymentMethod,
    PaymentPolicy,
    PolicyKind,
    PolicyPatients,
    Refund,
    SavedCard,
)
from billing.selectors import invoice_balance
from billing.services.cards import cancellation_terms_publish
from billing.services.invoices import invoice_draft_for_appointment, invoice_issue
from booking.models import Appointment, AppointmentStatus, SlotHold
from booking.scheduling.availability import format_start
from booking.services.changes import appointment_cancel
from booking.views.portal import PORTAL_KEY
from clinic.stripe_client import stripe_client
from tests import factories
from tests.billing.cards.helpers import terms_in_force
from tests.billing.online import deliver, delivery, session_id_of, signed
from tests.booking.views.public_flow import DETAILS

pytestmark = pytest.mark.django_db(transaction=True)

LONDON = ZoneInfo("Europe/London")


def weekday_at(hour: int, *, days_ahead: int = 14) -> dt.datetime:
    """A working day two weeks from today (the real clock: Stripe's is real too)."""
    day = timezone.now().astimezone(LONDON).date() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


@pytest.fixture
def deposit(clinic, online_payments):
    """£20 from new patients for the initial assessment."""
    return PaymentPolicy.objects.create(
        service=clinic.initial,
        patients=PolicyPatients.NEW,
        kind=PolicyKind.DEPOSIT_AMOUNT,
        amount=Decimal("20.00"),
    )


def visitor(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address)


def to_review(client: Client, clinic, start: dt.datetime, **details):
    """Pick the time (held), give one's details: the review page."""
    param = format_start(start)
    hold = reverse("booking:hold", args=[clinic.initial.slug, clinic.location.slug])
    assert client.post(hold, {"start": param, "practitioner": "any"}).status_code == 302
    url = reverse("booking:details", args=[clinic.initial.slug, clinic.location.slug])
    data = DETAILS | details | {"start": param, "practitioner": "any"}
    assert client.post(url, data).status_code == 302
    return client.get(reverse("booking:review"))


def to_stripe(client: Client, clinic, start: dt.datetime, **details) -> str:
    """Through the booking pages to Stripe's hosted page: its address."""
    review = to_review(client, clinic, start, **details)
    assert "Continue to payment (£20.00 deposit)" in review.text
    answer = client.post(reverse("booking:review"))
    assert answer.status_code == 303, answer.content
    return answer["Location"]


def completed(stripe_webhooks, url: str) -> tuple[bytes, str]:
    return delivery(stripe_webhooks, "checkout.session.completed", session_id_of(url))


def test_the_review_page_explains_the_deposit(client, clinic, deposit, online_payments):
    review = to_review(client, clinic, weekday_at(9))
    assert "A deposit of £20.00 secures this time" in review.text
    assert "goes towards the session" in review.text
    assert "Continue to payment (£20.00 deposit)" in review.text
    # The button's answer goes on to Stripe's page: that origin joins form-action.
    assert f"form-action 'self' {online_payments.url}" in review["Content-Security-Policy"]


def test_a_deposit_books_only_when_the_webhook_says_it_was_paid(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    start = weekday_at(9)
    url = to_stripe(client, clinic, start)
    assert url.startswith(online_payments.url)
    checkout = BookingCheckout.objects.get()
    assert (checkout.kind, checkout.amount, checkout.status) == (
        "deposit",
        Decimal("20.00"),
        "open",
    )
    # The time is held for as long as the page is open (Stripe's least: 30 minutes).
    hold = SlotHold.objects.get()
    assert hold.expires_at >= checkout.expires_at
    assert checkout.expires_at - timezone.now() > dt.timedelta(minutes=30)

    back = online_payments.pay(url)
    assert back.status_code == 303
    assert back.headers["Location"].endswith(f"?session_id={checkout.session_id}")
    # Back on our page before the event: nothing booked yet, and the page says so.
    waiting = client.get(back.headers["Location"])
    assert "Confirming your payment" in waiting.text
    assert not Appointment.objects.exists()

    body, signature = completed(stripe_webhooks, url)
    assert deliver(client, body, signature).status_code == 200

    appointment = Appointment.objects.get()
    assert (appointment.start, appointment.status) == (start, AppointmentStatus.CONFIRMED)
    assert appointment.patient.email == DETAILS["email"]
    payment = appointment.payments_towards.get()
    assert (payment.method, payment.amount) == (PaymentMethod.ONLINE, Decimal("20.00"))
    assert payment.provider_reference.startswith("pi_")
    checkout.refresh_from_db()
    assert (checkout.status, checkout.appointment) == ("booked", appointment)
    assert not SlotHold.objects.exists()
    done = client.get(back.headers["Location"], follow=True)
    assert "You're booked in" in done.text
    assert appointment.reference in done.text
    assert "Paid when booking: £20.00" in done.text


def test_the_deposit_is_a_payment_on_the_appointments_invoice(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    url = to_stripe(client, clinic, weekday_at(10))
    online_payments.pay(url)
    deliver(client, *completed(stripe_webhooks, url))
    appointment = Appointment.objects.get()
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.COMPLETED)
    appointment.refresh_from_db()
    clerk = factories.clerk()
    invoice = invoice_issue(
        invoice=invoice_draft_for_appointment(appointment=appointment, created_by=clerk),
        issued_by=clerk,
        now=timezone.now(),
    )
    assert invoice_balance(invoice).outstanding == Decimal("55.00")  # 75 less the deposit
    assert appointment.payments_towards.get().allocations.get().invoice == invoice


def test_a_replayed_event_books_once(client, clinic, deposit, online_payments, stripe_webhooks):
    url = to_stripe(client, clinic, weekday_at(11))
    online_payments.pay(url)
    body, signature = completed(stripe_webhooks, url)
    first = deliver(client, body, signature)
    again = deliver(client, body, signature)
    assert again.text == "repeat: already received"
    # The same session in an event of another id: the checkout has ended, nothing more.
    copy = json.loads(body)
    copy["id"] = "evt_another_delivery"
    other = deliver(client, *signed(copy))
    assert first.status_code == other.status_code == 200
    assert other.text == "checkout already booked"
    assert Appointment.objects.count() == 1
    assert Appointment.objects.get().payments_towards.count() == 1


def test_leaving_the_stripe_page_books_nothing_and_frees_the_time(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    start = weekday_at(13)
    url = to_stripe(client, clinic, start)
    checkout = BookingCheckout.objects.get()
    # Stripe's page links back to our cancel address: the patient follows it.
    cancelled = client.get(reverse("booking:payment_cancel"))
    assert cancelled.status_code == 200
    assert "Nothing was booked and nothing was charged" in cancelled.text
    checkout.refresh_from_db()
    assert checkout.status == BookingCheckoutStatus.ABANDONED
    assert not SlotHold.objects.exists()
    # Closed at Stripe too: it can no longer be paid.
    session = stripe_client().v1.checkout.sessions.retrieve(checkout.session_id)
    assert session.status == "expired"
    assert online_payments.pay(url).status_code != 303
    # Stripe's expired event changes nothing more.
    body, signature = delivery(stripe_webhooks, "checkout.session.expired", checkout.session_id)
    assert deliver(client, body, signature).text == "checkout already abandoned"
    # Another patient can take the time now.
    other = visitor("198.51.100.9")
    url = to_stripe(other, clinic, start, email="erin@example.com", first_name="Erin")
    assert url.startswith(online_payments.url)
    assert not Appointment.objects.exists()


def test_after_leaving_the_page_the_patient_may_confirm_again_and_pay(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    start = weekday_at(11, days_ahead=15)
    first = to_stripe(client, clinic, start)
    client.get(reverse("booking:payment_cancel"))
    # Back to the review page (the time is taken again), confirm: a new Stripe page.
    second = client.post(reverse("booking:review"))
    assert second.status_code == 303
    assert session_id_of(second["Location"]) != session_id_of(first)
    assert SlotHold.objects.get().start == start
    online_payments.pay(second["Location"])
    deliver(client, *completed(stripe_webhooks, second["Location"]))
    assert Appointment.objects.get().start == start
    statuses = sorted(BookingCheckout.objects.values_list("status", flat=True))
    assert statuses == ["abandoned", "booked"]
    # Stripe's word that the first page expired, late: the new booking keeps its time.
    body, signature = delivery(stripe_webhooks, "checkout.session.expired", session_id_of(first))
    assert deliver(client, body, signature).text == "checkout already abandoned"


def test_a_double_click_opens_one_page(client, clinic, deposit, online_payments):
    to_review(client, clinic, weekday_at(10, days_ahead=15))
    first = client.post(reverse("booking:review"))
    second = client.post(reverse("booking:review"))
    assert first["Location"] == second["Location"]
    assert BookingCheckout.objects.count() == 1


def test_a_lapsed_page_frees_the_time(client, clinic, deposit, online_payments, stripe_webhooks):
    url = to_stripe(client, clinic, weekday_at(14))
    checkout = BookingCheckout.objects.get()
    stripe_client().v1.checkout.sessions.expire(checkout.session_id)  # as Stripe does at expiry
    body, signature = delivery(stripe_webhooks, "checkout.session.expired", checkout.session_id)
    assert deliver(client, body, signature).text == "booking checkout expired: time released"
    assert not SlotHold.objects.exists()
    back = client.get(reverse("booking:payment_return"))
    assert "Nothing was booked" in back.text
    assert url


def test_a_slow_payer_whose_time_was_taken_is_refunded_and_offered_other_times(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    start = weekday_at(9, days_ahead=15)
    url = to_stripe(client, clinic, start)
    # The hold lapses, and the desk books both practitioners at that time meanwhile.
    SlotHold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    for practitioner in (clinic.alice, clinic.bob):
        factories.book(
            clinic,
            factories.patient(first_name=practitioner.user.first_name + "x"),
            start,
            practitioner=practitioner,
            now=timezone.now(),
        )
    back = online_payments.pay(url)
    body, signature = completed(stripe_webhooks, url)
    mail.outbox.clear()
    assert deliver(client, body, signature).status_code == 200

    checkout = BookingCheckout.objects.get()
    assert checkout.status == BookingCheckoutStatus.REFUNDED
    assert checkout.alternatives
    refund = Refund.objects.get()
    assert (refund.amount, refund.payment.amount) == (Decimal("20.00"), Decimal("20.00"))
    assert refund.provider_reference.startswith("re_")
    assert refund.payment.appointment is None
    assert Appointment.objects.filter(patient__email=DETAILS["email"]).count() == 0
    page = client.get(back.headers["Location"])
    assert "Your booking was not made" in page.text
    assert "£20.00 has gone back to your card" in page.text
    assert "Free times near the one you chose" in page.text
    email = mail.outbox[-1]
    assert email.to == [DETAILS["email"]]
    assert "gone back to your card" in email.body
    assert "Free times near the one you chose" in email.body
    assert clinic.initial.name not in email.body  # no service, nothing clinical


def test_a_payment_after_the_patient_left_the_page_is_refunded(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    """Paid in another tab while the cancel page closed it here: our state says ended,
    so the money goes back (Stripe refuses to close a paid page, so this is the order
    of events when the cancel lost the race)."""
    url = to_stripe(client, clinic, weekday_at(15))
    online_payments.pay(url)
    BookingCheckout.objects.update(status=BookingCheckoutStatus.ABANDONED)
    deliver(client, *completed(stripe_webhooks, url))
    assert BookingCheckout.objects.get().status == BookingCheckoutStatus.REFUNDED
    assert Refund.objects.get().amount == Decimal("20.00")
    assert not Appointment.objects.exists()


def test_a_tampered_return_address_shows_and_books_nothing(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    url = to_stripe(client, clinic, weekday_at(16))
    online_payments.pay(url)
    session_id = session_id_of(url)
    returned = reverse("booking:payment_return")
    # Another session's id in our browser: nothing.
    other = client.get(f"{returned}?session_id=cs_test_someone_else")
    assert other.status_code == 404
    assert "Nothing to show" in other.text
    # The right id in someone else's browser: nothing either.
    stranger = visitor("198.51.100.20").get(f"{returned}?session_id={session_id}")
    assert stranger.status_code == 404
    assert DETAILS["first_name"] not in stranger.text
    assert not Appointment.objects.exists()


def test_typed_details_are_never_matched_to_a_returning_patient(client, clinic, deposit, patient):
    """Asking less of a returning patient's typed details would tell anyone who knows an
    email and a date of birth that the person is a patient here."""
    attended(clinic, patient)
    review = to_review(
        client,
        clinic,
        weekday_at(9),
        email=patient.email,
        date_of_birth=patient.date_of_birth.isoformat(),
    )
    assert "Continue to payment (£20.00 deposit)" in review.text
    assert "Sign in" in review.text


def test_a_returning_patient_signed_in_to_the_portal_pays_nothing(client, clinic, deposit, patient):
    attended(clinic, patient)
    session = client.session
    session[PORTAL_KEY] = patient.pk
    session.save()
    param = format_start(weekday_at(9))
    url = reverse("booking:details", args=[clinic.initial.slug, clinic.location.slug])
    assert client.post(url, {"start": param, "practitioner": "any"}).status_code == 302
    review = client.get(reverse("booking:review"))
    assert "Continue to payment" not in review.text
    assert client.post(reverse("booking:review")).status_code == 302
    assert Appointment.objects.filter(start=weekday_at(9), patient=patient).exists()
    assert not BookingCheckout.objects.exists()


def attended(clinic, patient) -> None:
    factories.appointment(
        clinic,
        patient,
        timezone.now() - dt.timedelta(days=7),
        status=AppointmentStatus.COMPLETED,
    )


def test_cancelling_in_time_gives_the_deposit_back_a_late_cancel_keeps_it(
    client, clinic, deposit, online_payments, stripe_webhooks
):
    for hour, email in ((9, "dana@example.com"), (10, "erin@example.com")):
        visitor_client = visitor(f"203.0.113.{hour}")
        url = to_stripe(visitor_client, clinic, weekday_at(hour, days_ahead=16), email=email)
        online_payments.pay(url)
        deliver(visitor_client, *completed(stripe_webhooks, url))
    in_time, late = Appointment.objects.order_by("start")
    appointment_cancel(appointment=in_time, now=timezone.now(), by_patient=True)
    refund = Refund.objects.get()
    assert (refund.payment.appointment, refund.amount) == (in_time, Decimal("20.00"))
    assert refund.provider_reference.startswith("re_")
    # A late cancellation keeps the deposit for the fee's invoice.
    desk = factories.clerk()
    appointment_cancel(
        appointment=late,
        now=late.start - dt.timedelta(hours=2),
        by_patient=False,
        by=desk,
    )
    late.refresh_from_db()
    assert late.status == AppointmentStatus.LATE_CANCELLED
    assert Refund.objects.count() == 1


def test_two_patients_paying_for_one_time_at_once_one_is_booked_one_refunded(
    clinic, deposit, online_payments, stripe_webhooks
):
    """Dana's hold lapsed while she paid; Erin took the time and paid too. Both events
    arrive together, in two threads: one booking, one refund, never two bookings."""
    clinic.bob.locations.clear()  # one practitioner: the time is one place
    start = weekday_at(9, days_ahead=17)
    dana, erin = visitor("203.0.113.30"), visitor("203.0.113.31")
    dana_url = to_stripe(dana, clinic, start)
    SlotHold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    erin_url = to_stripe(erin, clinic, start, email="erin@example.com", first_name="Erin")
    SlotHold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    for url in (dana_url, erin_url):
        assert online_payments.pay(url).status_code == 303
    events = [completed(stripe_webhooks, url) for url in (dana_url, erin_url)]

    barrier = threading.Barrier(2)

    def send(event):
        try:
            barrier.wait(timeout=10)
            return deliver(Client(), *event).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(send, events))
    assert answers == [200, 200]
    assert Appointment.objects.filter(start=start).count() == 1
    statuses = sorted(BookingCheckout.objects.values_list("status", flat=True))
    assert statuses == ["booked", "refunded"]
    assert Refund.objects.count() == 1


# --- A card saved for the cancellation policy ------------------------------------------


@pytest.fixture
def card_policy(clinic, online_payments):
    PaymentPolicy.objects.create(kind=PolicyKind.CARD, service=clinic.initial)
    return terms_in_force()


def test_a_card_saved_at_booking_books_and_keeps_the_card_under_the_terms_shown(
    client, clinic, card_policy, online_payments, stripe_webhooks
):
    start = weekday_at(9, days_ahead=18)
    review = to_review(client, clinic, start)
    assert "A card is saved for our cancellation policy" in review.text
    assert f"version {card_policy.version}" in review.text
    assert escape(card_policy.summary()[0]) in review.text
    assert "Continue to save your card" in review.text
    answer = client.post(reverse("booking:review"), {"terms_version": card_policy.version})
    assert answer.status_code == 303
    checkout = BookingCheckout.objects.get()
    assert (checkout.kind, checkout.amount, checkout.terms) == ("card", None, card_policy)

    assert online_payments.save_card(answer["Location"]).status_code == 303
    assert not Appointment.objects.exists()
    deliver(client, *completed(stripe_webhooks, answer["Location"]))

    appointment = Appointment.objects.get()
    assert appointment.start == start
    card = SavedCard.objects.get()
    assert (card.patient, card.terms, card.source) == (appointment.patient, card_policy, "booking")
    assert card.last4 == "4242"
    assert not appointment.payments_towards.exists()  # nothing charged
    checkout.refresh_from_db()
    assert (checkout.status, checkout.card) == ("booked", card)


def test_terms_published_after_the_page_was_read_are_shown_again(
    client, clinic, card_policy, online_payments
):
    to_review(client, clinic, weekday_at(10, days_ahead=18))
    newer = cancellation_terms_publish(
        terms=CancellationTerms(
            body="Newer terms.",
            late_cancellation_basis=FeeBasis.AMOUNT,
            late_cancellation_value=Decimal("30"),
            no_show_basis=FeeBasis.AMOUNT,
            no_show_value=Decimal("60"),
        ),
        by=None,
        now=timezone.now(),
    )
    stale = client.post(reverse("booking:review"), {"terms_version": card_policy.version})
    assert stale.status_code == 409
    assert "Our cancellation policy has just changed" in stale.text
    assert "Newer terms." in stale.text
    assert not BookingCheckout.objects.exists()
    fresh = client.post(reverse("booking:review"), {"terms_version": newer.version})
    assert fresh.status_code == 303
    assert BookingCheckout.objects.get().terms == newer


def test_a_card_saved_for_a_time_taken_meanwhile_books_nothing_and_charges_nothing(
    client, clinic, card_policy, online_payments, stripe_webhooks
):
    clinic.bob.locations.clear()
    start = weekday_at(11, days_ahead=18)
    to_review(client, clinic, start)
    url = client.post(reverse("booking:review"), {"terms_version": card_policy.version})["Location"]
    SlotHold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    factories.book(clinic, factories.patient(first_name="Fay"), start, now=timezone.now())
    online_payments.save_card(url)
    mail.outbox.clear()
    deliver(client, *completed(stripe_webhooks, url))
    checkout = BookingCheckout.objects.get()
    assert checkout.status == BookingCheckoutStatus.NOT_BOOKED
    assert not SavedCard.objects.exists()
    assert not Refund.objects.exists()
    assert "nothing was charged" in mail.outbox[-1].body
    page = client.get(reverse("booking:payment_return"))
    assert "Nothing was charged to your card" in page.text


def test_a_time_held_while_paying_still_counts_against_the_address(
    clinic, deposit, online_payments, settings
):
    """The hold lasts as long as Stripe's page, and counts as one of the address's live
    holds all that time: opening payment pages cannot empty a day."""
    settings.CLINIC_LIVE_HOLDS_PER_IP = 1
    to_stripe(visitor("203.0.113.50"), clinic, weekday_at(9, days_ahead=19))
    hold = reverse("booking:hold", args=[clinic.initial.slug, clinic.location.slug])
    other = visitor("203.0.113.50").post(
        hold, {"start": format_start(weekday_at(14, days_ahead=19)), "practitioner": "any"}
    )
    assert other.status_code == 429
    assert SlotHold.objects.count() == 1
