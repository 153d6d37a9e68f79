"""Which payment policy a booking meets: the most specific rule, new or returning
patients, amounts from the service's price on the server, and the database's refusals
of rules that make no sense."""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from billing.models import PaymentPolicy, PolicyKind, PolicyPatients
from billing.selectors.policies import is_new_patient, payment_required
from booking.models import AppointmentStatus
from tests import factories
from tests.factories import NOW, at


@pytest.fixture(autouse=True)
def payments_on(settings):
    settings.CLINIC_ONLINE_PAYMENTS = True


def rule(kind=PolicyKind.DEPOSIT_AMOUNT, *, amount=None, percent=None, **scope):
    if kind == PolicyKind.DEPOSIT_AMOUNT and amount is None:
        amount = Decimal("20.00")
    return PaymentPolicy.objects.create(kind=kind, amount=amount, percent=percent, **scope)


def required(clinic, who=None, service=None):
    return payment_required(
        service=service or clinic.initial,
        location=clinic.location,
        patient_or_details=who,
        now=NOW,
    )


def test_no_rule_asks_for_nothing(clinic):
    assert required(clinic).kind == "nothing"
    assert not required(clinic).needed


def test_a_clinic_wide_deposit_is_asked_of_everyone(clinic, patient):
    rule(amount=Decimal("20.00"))
    assert (required(clinic).kind, required(clinic).amount) == ("deposit", Decimal("20.00"))
    assert required(clinic, patient).amount == Decimal("20.00")
    assert required(clinic).currency == "GBP"


def test_the_most_specific_rule_wins(clinic):
    other = factories.location(name="Hilltop", slug="hilltop")
    rule(amount=Decimal("5.00"))
    rule(amount=Decimal("10.00"), location=clinic.location)
    assert required(clinic).amount == Decimal("10.00")
    rule(amount=Decimal("15.00"), service=clinic.initial)
    assert required(clinic).amount == Decimal("15.00")  # service beats location
    rule(amount=Decimal("25.00"), service=clinic.initial, location=clinic.location)
    assert required(clinic).amount == Decimal("25.00")
    rule(amount=Decimal("30.00"), service=clinic.initial, location=other)  # not here
    assert required(clinic).amount == Decimal("25.00")
    assert required(clinic, service=clinic.follow_up).amount == Decimal("10.00")


def test_new_patients_only(clinic, patient):
    rule(amount=Decimal("20.00"), service=clinic.initial, patients=PolicyPatients.NEW)
    assert required(clinic).kind == "deposit"  # an unknown visitor is new
    assert required(clinic, patient).kind == "deposit"  # booked nothing yet
    factories.appointment(
        clinic, patient, at(8, day=NOW.date()), status=AppointmentStatus.COMPLETED
    )
    assert required(clinic, patient).kind == "nothing"


def test_a_cancelled_or_missed_visit_does_not_make_a_returning_patient(clinic, patient):
    for hour, status in ((7, AppointmentStatus.CANCELLED), (8, AppointmentStatus.NO_SHOW)):
        factories.appointment(clinic, patient, at(hour, day=NOW.date()), status=status)
    factories.appointment(clinic, patient, at(13), status=AppointmentStatus.CONFIRMED)
    assert is_new_patient(patient, now=NOW)


def test_a_checked_in_visit_makes_a_returning_patient(clinic, patient):
    factories.appointment(
        clinic, patient, at(8, day=NOW.date()), status=AppointmentStatus.CHECKED_IN
    )
    assert not is_new_patient(patient, now=NOW)


def test_details_are_matched_as_the_booking_matches_them(clinic, patient):
    factories.appointment(
        clinic, patient, at(8, day=NOW.date()), status=AppointmentStatus.COMPLETED
    )
    details = {"email": " CHARLIE@example.com ", "date_of_birth": "1980-05-17"}
    assert not is_new_patient(details, now=NOW)
    assert is_new_patient(details | {"date_of_birth": "1980-05-18"}, now=NOW)


def test_a_group_rule_beats_the_all_patients_rule_at_its_level_only(clinic, patient):
    rule(PolicyKind.PREPAYMENT, service=clinic.initial)
    rule(PolicyKind.NOTHING, service=clinic.initial, patients=PolicyPatients.RETURNING)
    rule(amount=Decimal("40.00"), patients=PolicyPatients.NEW)  # clinic-wide: less specific
    factories.appointment(
        clinic, patient, at(8, day=NOW.date()), status=AppointmentStatus.COMPLETED
    )
    assert required(clinic, patient).kind == "nothing"
    new = required(clinic)
    assert (new.kind, new.amount) == ("prepayment", Decimal("75.00"))


def test_a_percentage_is_of_the_price_rounded_to_the_penny(clinic):
    clinic.initial.price = Decimal("75.50")
    clinic.initial.save()
    rule(PolicyKind.DEPOSIT_PERCENT, percent=33)
    assert required(clinic).amount == Decimal("24.92")  # 24.915 rounds half up


def test_a_deposit_is_never_more_than_the_price(clinic):
    rule(amount=Decimal("100.00"))
    assert required(clinic).amount == Decimal("75.00")


def test_a_free_session_asks_for_no_money_but_a_card_may_be_saved(clinic):
    clinic.initial.price = Decimal("0.00")
    clinic.initial.save()
    rule(PolicyKind.PREPAYMENT, service=clinic.initial)
    assert required(clinic).kind == "nothing"
    rule(PolicyKind.CARD)
    card = required(clinic, service=clinic.follow_up)
    assert (card.kind, card.amount) == ("card", Decimal("0.00"))


def test_with_online_payments_off_nothing_is_asked(clinic, settings):
    settings.CLINIC_ONLINE_PAYMENTS = False
    rule(PolicyKind.PREPAYMENT)
    assert required(clinic).kind == "nothing"


@pytest.mark.parametrize(
    ("kind", "amount", "percent"),
    [
        (PolicyKind.DEPOSIT_PERCENT, None, 0),
        (PolicyKind.DEPOSIT_PERCENT, None, 101),
        (PolicyKind.DEPOSIT_PERCENT, None, None),
        (PolicyKind.DEPOSIT_AMOUNT, Decimal("0.00"), None),
        (PolicyKind.DEPOSIT_AMOUNT, Decimal("-5.00"), None),
        (PolicyKind.PREPAYMENT, Decimal("5.00"), None),
        (PolicyKind.CARD, None, 50),
    ],
)
def test_the_database_refuses_a_rule_that_makes_no_sense(db, kind, amount, percent):
    with pytest.raises(IntegrityError):
        PaymentPolicy.objects.create(kind=kind, amount=amount, percent=percent)


def test_one_rule_per_scope_even_for_every_service_and_location(clinic):
    rule(amount=Decimal("5.00"))
    with pytest.raises(IntegrityError):
        rule(amount=Decimal("6.00"))


def test_the_admin_form_says_why_a_second_rule_is_refused(clinic, admin_client):
    rule(amount=Decimal("5.00"), service=clinic.initial)
    answer = admin_client.post(
        "/admin/billing/paymentpolicy/add/",
        {"service": clinic.initial.pk, "patients": "all", "kind": "prepayment"},
    )
    assert answer.status_code == 200
    assert "There is already a rule for these patients" in answer.text
    assert PaymentPolicy.objects.count() == 1
