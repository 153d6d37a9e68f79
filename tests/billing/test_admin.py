"""Billing in the admin: issued documents shown, never changed; payers edited by the
manager; each look at a patient's invoice logged."""

import pytest
from django.urls import reverse

from billing.models import Payer, PayerKind
from clinic.roles import MANAGER
from patients.models import AccessVia, PatientAccessLog
from tests import factories


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def test_an_issued_invoice_is_shown_read_only_and_the_look_logged(manager, patient):
    invoice = factories.invoice(patient, "60.00")
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    page = manager.get(url)
    assert page.status_code == 200
    assert "INV-000001" in page.text
    assert 'name="_save"' not in page.text
    assert manager.post(url, {"notes": "changed"}).status_code == 403
    entry = PatientAccessLog.objects.get(record="invoice")
    assert (entry.patient, entry.via) == (patient, AccessVia.ADMIN)


def test_the_manager_adds_an_insurer(manager):
    response = manager.post(
        reverse("admin:billing_payer_add"),
        {
            "kind": PayerKind.INSURER,
            "name": "AXA Health",
            "provider_number": "AXA-1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Payer.objects.get().provider_number == "AXA-1"


def test_nobody_deletes_a_payment_in_the_admin(manager, patient):
    payment = factories.payment(patient, "10.00")
    url = reverse("admin:billing_payment_delete", args=[payment.pk])
    assert manager.post(url, {"post": "yes"}).status_code == 403
