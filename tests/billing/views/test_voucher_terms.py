"""The manager's gift voucher terms in the admin (decision 0106): what the public page
offers, the range of any sale and the expiry of the next one follow them; a voucher
already sold keeps its date; the desk cannot change them; bad values are refused."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.models import VoucherTerms
from billing.services.errors import BillingError
from clinic.roles import MANAGER
from tests import factories
from tests.billing.services.test_vouchers import sold
from tests.factories import NOW

CHANGE = reverse("admin:billing_voucherterms_change", args=[1])
TERMS = {"valid_months": "24", "amounts": "30, 50, 100", "min_amount": "10", "max_amount": "500"}


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def test_the_manager_sets_the_terms_and_the_next_sale_and_the_buy_page_follow(
    manager, patient, settings
):
    settings.CLINIC_ONLINE_PAYMENTS = True
    before = sold(patient)
    assert before.expires_on == dt.date(2029, 1, 4)  # the defaults: 24 months
    opened = manager.get(reverse("admin:billing_voucherterms_changelist"))
    assert opened.status_code == 302
    assert opened["Location"] == CHANGE  # the one row, made on first visit

    answer = manager.post(
        CHANGE,
        {"valid_months": "12", "amounts": " 25,75.5 ,", "min_amount": "20", "max_amount": "200"},
    )
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    terms = VoucherTerms.load()
    assert terms.amounts == "25, 75.5"
    assert terms.amounts_offered == [Decimal(25), Decimal("75.5")]

    page = manager.get(reverse("billing:gift_vouchers"))
    choices = [value for value, _label in page.context["form"].fields["choice"].choices]
    assert choices == ["25", "75.5", "other"]
    assert "£75.50" in page.text
    assert "From £20.00 to £200.00." in page.text
    desk_form = manager.get(reverse("billing_staff:voucher_new", args=[patient.pk]))
    assert "From £20.00 to £200.00." in desk_form.text

    after = sold(patient, "150.00")
    assert after.expires_on == dt.date(2028, 1, 4)  # 12 months now
    before.refresh_from_db()
    assert before.expires_on == dt.date(2029, 1, 4)  # sold before: its date never moves
    with pytest.raises(BillingError, match=r"£20\.00 to £200\.00") as refused:
        sold(patient, "10.00")
    assert refused.value.code == "voucher_amount"


def test_the_desk_sees_no_terms_and_cannot_change_them(desk, db):
    VoucherTerms.load()
    assert desk.get(reverse("admin:billing_voucherterms_changelist")).status_code == 403
    assert desk.get(CHANGE).status_code == 403
    assert desk.post(CHANGE, TERMS | {"valid_months": "1"}).status_code == 403
    assert VoucherTerms.load().valid_months == 24


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"valid_months": "0"}, "valid_months", "greater than or equal to 1"),
        ({"valid_months": "121"}, "valid_months", "less than or equal to 120"),
        ({"min_amount": "0"}, "min_amount", "The lowest amount must be above zero."),
        ({"max_amount": "5"}, "max_amount", "The highest amount cannot be below the lowest."),
        ({"amounts": "30, fifty"}, "amounts", "“fifty” is not an amount"),
        ({"amounts": "30, -5"}, "amounts", "“-5” is not an amount of money"),
        ({"amounts": "30.001"}, "amounts", "at most two decimal places"),
        ({"amounts": "1E+2"}, "amounts", "“1E+2” is not an amount"),
        ({"amounts": " , "}, "amounts", "Offer at least one amount"),
        ({"amounts": "5, 50, 600"}, "amounts", "5, 600: outside the lowest and highest amount"),
    ],
)
def test_bad_terms_are_refused_with_the_reason(manager, changes, field, message):
    VoucherTerms.load()
    answer = manager.post(CHANGE, TERMS | changes)
    assert answer.status_code == 200
    errors = answer.context["adminform"].form.errors
    assert any(message in error for error in errors[field]), errors
    assert VoucherTerms.load().amounts == "30, 50, 100"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [{"valid_months": 0}, {"valid_months": 121}, {"min_amount": 0}, {"max_amount": 9}],
)
def test_the_database_refuses_terms_out_of_range(changes):
    VoucherTerms.load()
    with pytest.raises(IntegrityError), transaction.atomic():
        VoucherTerms.objects.filter(pk=1).update(**changes)
