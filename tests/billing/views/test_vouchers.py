"""Gift voucher pages: the desk's sale, list, voucher page, code shown and spent on an
invoice; the public purchase through the local Stripe (the code emailed after the
webhook), the balance check, the code on the booking review page, and tries limited."""

import datetime as dt
import time
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from billing.models import (
    BookingCheckout,
    GiftVoucher,
    Payment,
    PaymentMethod,
    PaymentPolicy,
    PolicyKind,
    PolicyPatients,
    SavedCard,
)
from billing.selectors import invoice_balance
from billing.selectors.vouchers import voucher_figures
from billing.services.vouchers import NOT_VALID, code_new, code_normalised, voucher_find
from booking.models import Appointment
from clinic.stripe_client import WEBHOOK_PATH
from patients.models import Patient, PatientAccessLog
from tests import factories
from tests.billing.cards.helpers import terms_in_force
from tests.billing.services.test_vouchers import paid_voucher, sold
from tests.booking.views.public_flow import choose
from tests.factories import NOW

BUYER = {
    "first_name": "Sam",
    "last_name": "Giver",
    "email": "sam@example.com",
    "phone": "07400 123456",
    "date_of_birth": "1980-05-06",
}


@pytest.fixture(autouse=True)
def _frozen_clock(request):
    if "live_server" in request.fixturenames:
        yield  # the stand-in and the webhook run on real time
        return
    with time_machine.travel(NOW, tick=False):
        yield


def staff_url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


# --- The desk ------------------------------------------------------------------------------


def test_the_desk_sells_a_voucher_and_goes_on_to_take_its_payment(desk, patient):
    page = desk.get(staff_url("voucher_new", patient.pk))
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    data = {
        "amount": "40.00",
        "recipient_name": "Robin Gift",
        "recipient_email": "robin@example.com",
        "message": "Happy birthday",
        "idempotency_key": key,
    }
    answer = desk.post(staff_url("voucher_new", patient.pk), data)
    voucher = GiftVoucher.objects.get()
    assert answer.status_code == 302
    assert answer.url == f"{staff_url('payment_new', patient.pk)}?invoice={voucher.sale_invoice_id}"
    assert voucher.buyer == patient
    assert voucher.amount == Decimal("40.00")
    # A double click sells one voucher.
    desk.post(staff_url("voucher_new", patient.pk), data)
    assert GiftVoucher.objects.count() == 1
    assert PatientAccessLog.objects.filter(patient=patient, record="gift voucher sale").exists()


def test_the_desk_sells_to_someone_not_yet_a_patient(desk, patient):
    page = desk.get(staff_url("voucher_new_buyer"))
    assert page.status_code == 200
    data = BUYER | {
        "amount": "60.00",
        "recipient_name": "Robin Gift",
        "idempotency_key": page.context["form"].initial["idempotency_key"],
    }
    answer = desk.post(staff_url("voucher_new_buyer"), data)
    assert answer.status_code == 302, answer.content
    buyer = Patient.objects.get(email="sam@example.com")
    voucher = GiftVoucher.objects.get()
    assert voucher.buyer == buyer
    assert voucher.sale_invoice.patient == buyer
    assert answer.url.startswith(staff_url("payment_new", buyer.pk))
    # The same details again find the same record.
    again = desk.post(staff_url("voucher_new_buyer"), data | {"idempotency_key": "another"})
    assert again.status_code == 302
    assert Patient.objects.filter(email="sam@example.com").count() == 1
    assert GiftVoucher.objects.filter(buyer=buyer).count() == 2


def test_the_list_reads_in_one_query_however_many_vouchers(
    desk, patient, django_assert_num_queries
):
    for _ in range(3):
        paid_voucher(patient)
    desk.get(staff_url("vouchers"))  # warm the session and permissions
    with django_assert_num_queries(6):
        # session, user, the second factor's device, the user's and the group's
        # permissions, and one for the vouchers with their redemptions and sale figures
        page = desk.get(staff_url("vouchers"))
    assert page.text.count("Robin Gift") == 3


def test_the_list_shows_state_balance_and_expiry_and_finds_by_last_four(desk, patient):
    _voucher, code = paid_voucher(patient)
    sold(patient, "30.00", recipient_name="Alex Other")
    page = desk.get(staff_url("vouchers"))
    assert "Robin Gift" in page.text
    assert "Alex Other" in page.text
    assert "Active" in page.text
    assert "Awaiting payment" in page.text
    assert "4 Jan 2029" in page.text
    found = desk.get(staff_url("vouchers"), {"q": code[-4:]})
    assert "Robin Gift" in found.text
    assert "Alex Other" not in found.text


def test_the_voucher_page_is_in_the_access_log_of_its_buyer_and_who_spent_it(desk, patient, dana):
    voucher, code = paid_voucher(patient)
    invoice = factories.invoice(dana, "60.00")
    desk.post(staff_url("voucher_apply", invoice.pk), {"code": code, "amount": "20.00"})
    page = desk.get(staff_url("voucher", voucher.pk))
    assert page.status_code == 200
    assert "£30.00" in page.text  # the balance
    assert "Dana" in page.text
    for who in (patient, dana):
        assert PatientAccessLog.objects.filter(patient=who, record="gift voucher").exists()


def test_the_desk_shows_a_new_code_once_and_the_old_one_stops_working(desk, patient):
    voucher, old = paid_voucher(patient)
    page = desk.post(staff_url("voucher_code", voucher.pk))
    code = page.context["code"]
    assert code in page.text
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    assert voucher_find(code) == voucher
    assert voucher_find(old) is None


def test_the_desk_spends_a_voucher_on_an_invoice(desk, patient, dana):
    _, code = paid_voucher(patient)
    invoice = factories.invoice(dana, "60.00")
    answer = desk.post(staff_url("voucher_apply", invoice.pk), {"code": code, "amount": "50.00"})
    assert answer.status_code == 302
    assert invoice_balance(invoice).outstanding == Decimal("10.00")
    page = desk.get(staff_url("invoice", invoice.pk), follow=True)
    assert "(gift voucher)" in page.text
    # Spent: the same code again says so.
    again = desk.post(
        staff_url("voucher_apply", invoice.pk), {"code": code, "amount": "10.00"}, follow=True
    )
    assert "no balance left" in again.text
    unknown = desk.post(
        staff_url("voucher_apply", invoice.pk), {"code": code_new(), "amount": "10.00"}, follow=True
    )
    assert NOT_VALID in unknown.text


def test_the_desks_tries_are_limited_too(desk, dana):
    invoice = factories.invoice(dana, "60.00")
    answers = [
        desk.post(staff_url("voucher_apply", invoice.pk), {"code": code_new(), "amount": "5.00"})
        for _ in range(61)
    ]
    assert {a.status_code for a in answers[:60]} == {302}
    assert answers[60].status_code == 429


# --- The public pages ------------------------------------------------------------------------


def test_the_balance_page_answers_the_same_for_any_code_that_cannot_be_used(client, patient):
    _voucher, code = paid_voucher(patient)
    url = reverse("billing:voucher_balance")
    assert client.get(url).status_code == 200
    good = client.post(url, {"code": code.lower()})
    assert good.status_code == 200
    assert "no-store" in good["Cache-Control"]
    assert "£50.00 left" in good.text
    answers = [
        client.post(url, {"code": code_new()}),  # a guess
        client.post(url, {"code": sold_code_unpaid(patient)}),  # unpaid
    ]
    with time_machine.travel(dt.datetime(2029, 1, 6, tzinfo=dt.UTC), tick=False):
        answers.append(client.post(url, {"code": code}))  # expired
    for answer in answers:
        assert answer.status_code == 400
        assert NOT_VALID in answer.text
        assert "expired" not in answer.text


def sold_code_unpaid(patient) -> str:
    """A code that looks real but names a voucher whose sale was never paid (no voucher
    has a code before then: any code is as good)."""
    sold(patient, "30.00")
    return code_new()


def test_many_wrong_tries_are_limited_with_the_429_page(client, db):
    url = reverse("billing:voucher_balance")
    answers = [client.post(url, {"code": code_new()}) for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [400] * 10
    assert answers[10].status_code == 429
    assert "Please wait a little" in answers[10].text


def test_a_replayed_code_already_spent_says_no_balance(client, patient, dana):
    _, code = paid_voucher(patient)
    invoice = factories.invoice(dana, "60.00")
    desk_spends = factories.clerk()
    from billing.services.vouchers import voucher_redeem_on_invoice

    voucher_redeem_on_invoice(
        code=code,
        invoice_id=invoice.pk,
        patient=dana,
        amount=Decimal("50.00"),
        by=desk_spends,
        now=NOW,
    )
    answer = client.post(reverse("billing:voucher_balance"), {"code": code})
    assert NOT_VALID in answer.text


def test_the_buy_page_says_to_call_when_card_payments_are_off(client, settings, db):
    settings.CLINIC_ONLINE_PAYMENTS = False
    page = client.get(reverse("billing:gift_vouchers"))
    assert page.status_code == 200
    assert "call us" in page.text


@pytest.mark.django_db(transaction=True)
def test_a_voucher_bought_online_is_emailed_after_the_webhook(client, live_server, online_payments):
    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    page = client.get(reverse("billing:gift_vouchers"))
    key = page.context["form"].initial["idempotency_key"]
    data = BUYER | {
        "choice": "50",
        "recipient_name": "Robin Gift",
        "recipient_email": "robin@example.com",
        "message": "Happy birthday",
        "idempotency_key": key,
    }
    answer = client.post(reverse("billing:gift_vouchers"), data)
    assert answer.status_code == 303, answer.content
    checkout = answer["Location"]
    assert checkout.startswith(online_payments.url)
    voucher = GiftVoucher.objects.get()
    assert voucher.buyer == Patient.objects.get(email="sam@example.com")
    assert mail.outbox == [] or all("Robin" not in m.subject for m in mail.outbox)

    back = online_payments.pay(checkout, card="succeeds")
    assert back.status_code == 303
    deadline = time.monotonic() + 15
    # The email goes out inside the transaction that stores the code's hash: wait for both.
    while not (
        any(m.to == ["robin@example.com"] for m in mail.outbox)
        and GiftVoucher.objects.filter(code_sent_at__isnull=False).exists()
    ):
        assert time.monotonic() < deadline, "no voucher email after the webhook"
        time.sleep(0.1)
    email = next(m for m in mail.outbox if m.to == ["robin@example.com"])
    code = next(w for w in email.body.split() if "-" in w and code_normalised(w))
    assert voucher_find(code) == voucher
    assert "Happy birthday" in email.body
    assert Payment.objects.get(method=PaymentMethod.ONLINE).amount == Decimal("50.00")
    thanks = client.get(back.headers["Location"])
    assert thanks.status_code == 200
    assert "received your payment" in thanks.text


def test_a_tampered_thanks_link_is_a_404(client, patient):
    from django.core import signing

    sold(patient)
    forged = signing.dumps(GiftVoucher.objects.get().pk, salt="another salt")
    assert client.get(reverse("billing:gift_voucher_thanks", args=[forged])).status_code == 404
    assert client.get(reverse("billing:gift_voucher_thanks", args=["nonsense"])).status_code == 404


def test_the_buy_page_checks_the_amount(client, settings, db):
    settings.CLINIC_ONLINE_PAYMENTS = True
    page = client.post(
        reverse("billing:gift_vouchers"),
        BUYER | {"choice": "other", "recipient_name": "Robin", "idempotency_key": "k"},
    )
    assert page.status_code == 400
    assert "Enter the amount." in page.text
    assert not GiftVoucher.objects.exists()


# --- At online booking -----------------------------------------------------------------------


def test_a_code_on_the_review_page_pays_towards_the_session(client, clinic, patient):
    voucher, code = paid_voucher(patient, "100.00")
    choose(client, clinic)
    review = client.get(reverse("booking:review"))
    assert "Gift voucher code" in review.text
    answer = client.post(reverse("booking:review"), {"voucher_code": code})
    assert answer.status_code == 302
    appointment = Appointment.objects.get(patient__email="dana@example.com")
    payment = Payment.objects.get(method=PaymentMethod.VOUCHER)
    assert payment.appointment == appointment
    assert payment.amount == Decimal("75.00")
    assert voucher_figures(voucher).balance == Decimal("25.00")


def test_a_bad_code_on_the_review_page_books_nothing(client, clinic, patient):
    choose(client, clinic)
    answer = client.post(reverse("booking:review"), {"voucher_code": code_new()})
    assert answer.status_code == 400
    assert NOT_VALID in answer.text
    assert not Appointment.objects.exists()
    # Without the code, the same time books.
    assert client.post(reverse("booking:review")).status_code == 302
    assert Appointment.objects.count() == 1


# --- At online booking, when the service asks for a deposit or a card -----------------------


@pytest.fixture
def deposit_policy(clinic, online_payments):
    """£20 from new patients for the initial assessment (£75), paid on Stripe's page."""
    return PaymentPolicy.objects.create(
        service=clinic.initial,
        patients=PolicyPatients.NEW,
        kind=PolicyKind.DEPOSIT_AMOUNT,
        amount=Decimal("20.00"),
    )


def nothing_booked_nor_charged(voucher: GiftVoucher, balance: str) -> None:
    assert not Appointment.objects.exists()
    assert not BookingCheckout.objects.exists()  # no Stripe page opened
    assert not Payment.objects.filter(method__in=[PaymentMethod.VOUCHER, PaymentMethod.ONLINE])
    assert voucher_figures(voucher).balance == Decimal(balance)


def test_a_voucher_covering_the_deposit_books_at_once_and_pays_up_to_the_price(
    client, clinic, patient, deposit_policy
):
    voucher, code = paid_voucher(patient, "100.00")
    choose(client, clinic)
    assert "Continue to payment (£20.00 deposit)" in client.get(reverse("booking:review")).text

    answer = client.post(reverse("booking:review"), {"voucher_code": code})

    assert answer.status_code == 302
    assert answer.url == reverse("booking:confirmed")  # not Stripe's page
    assert not BookingCheckout.objects.exists()
    appointment = Appointment.objects.get(patient__email="dana@example.com")
    payment = Payment.objects.get(method=PaymentMethod.VOUCHER)
    assert (payment.appointment, payment.amount) == (appointment, Decimal("75.00"))
    assert voucher_figures(voucher).balance == Decimal("25.00")


def test_a_voucher_worth_less_than_the_deposit_is_refused_and_nothing_is_booked(
    client, clinic, patient, deposit_policy
):
    voucher, code = paid_voucher(patient, "10.00")
    choose(client, clinic)

    answer = client.post(reverse("booking:review"), {"voucher_code": code})

    assert answer.status_code == 400
    assert "This voucher does not cover what is asked now" in answer.text
    nothing_booked_nor_charged(voucher, "10.00")


def test_a_voucher_cannot_stand_in_for_the_card_the_policy_saves(
    client, clinic, patient, online_payments
):
    PaymentPolicy.objects.create(kind=PolicyKind.CARD, service=clinic.initial)
    terms = terms_in_force()
    voucher, code = paid_voucher(patient, "100.00")
    choose(client, clinic)

    answer = client.post(
        reverse("booking:review"), {"voucher_code": code, "terms_version": terms.version}
    )

    assert answer.status_code == 400
    assert "which a gift voucher cannot replace" in answer.text
    nothing_booked_nor_charged(voucher, "100.00")
    assert not SavedCard.objects.exists()


def test_a_bad_code_with_a_deposit_asked_gets_the_one_answer(
    client, clinic, patient, deposit_policy
):
    voucher, _code = paid_voucher(patient, "100.00")
    choose(client, clinic)

    answer = client.post(reverse("booking:review"), {"voucher_code": code_new()})

    assert answer.status_code == 400
    assert NOT_VALID in answer.text
    nothing_booked_nor_charged(voucher, "100.00")
