"""Invoices, receipts and credit notes downloaded at the desk and in the patient's portal;
the portal's list of them. Each PDF costs about half a second: few are made here, the
refusals make none."""

import sys
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.services.credit_notes import credit_note_issue
from booking import links
from clinic.roles import MANAGER, PRACTITIONER
from patients.models import AccessVia, PatientAccessLog
from tests import factories
from tests.factories import NOW


def staff_url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


def portal_url(name, *args):
    return reverse(f"billing_portal:{name}", args=args)


def signed_into_portal(patient) -> Client:
    client = Client()
    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))
    return client


@pytest.fixture
def money(patient):
    """An issued invoice part paid, a credit note on it, a draft; another patient's too."""
    invoice = factories.invoice(patient, "60.00")
    payment = factories.payment(patient, "20.00", (invoice, "20.00"))
    note = credit_note_issue(
        invoice=invoice,
        reason="Goodwill",
        issued_by=factories.staff(username="mona", role=MANAGER),
        now=NOW,
        amount=Decimal("5.00"),
    )
    draft = factories.invoice(patient, "10.00", issued=False)
    dana = factories.patient(first_name="Dana")
    theirs = factories.invoice(dana, "45.00")
    their_payment = factories.payment(dana, "45.00", (theirs, "45.00"))
    return {
        "invoice": invoice,
        "payment": payment,
        "note": note,
        "draft": draft,
        "theirs": theirs,
        "their_payment": their_payment,
    }


def assert_pdf_download(response, filename):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")


# --- The desk ------------------------------------------------------------------------


def test_the_desk_downloads_an_issued_invoice_and_the_download_is_logged(desk, money, rita):
    invoice = money["invoice"]
    page = desk.get(staff_url("invoice", invoice.pk))
    assert staff_url("invoice_pdf", invoice.pk) in page.text
    assert staff_url("receipt_pdf", money["payment"].pk) in page.text
    assert staff_url("credit_note_pdf", money["note"].pk) in page.text

    response = desk.get(staff_url("invoice_pdf", invoice.pk))

    assert_pdf_download(response, f"invoice-{invoice.number}.pdf")
    log = PatientAccessLog.objects.filter(record="invoice PDF").get()
    assert (log.user, log.patient, log.detail) == (rita, invoice.patient, invoice.number)


def test_a_draft_is_no_document_yet(desk, money):
    assert desk.get(staff_url("invoice_pdf", money["draft"].pk)).status_code == 404
    assert desk.post(staff_url("invoice_email", money["draft"].pk)).status_code == 404


def test_a_practitioner_downloads_no_patients_money_documents(client, clinic, money):
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    for name, pk in (
        ("invoice_pdf", money["invoice"].pk),
        ("receipt_pdf", money["payment"].pk),
        ("credit_note_pdf", money["note"].pk),
    ):
        assert client.get(staff_url(name, pk)).status_code == 403, name
    assert not PatientAccessLog.objects.filter(record__endswith="PDF").exists()


def test_without_pango_the_download_says_so_instead_of_failing(desk, money, monkeypatch):
    """WeasyPrint raises OSError at import when the system has no pango: simulated by a
    finder that fails the import the same way."""

    class NoPango:
        def find_spec(self, name, *_):
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPango(), *sys.meta_path])

    response = desk.get(staff_url("invoice_pdf", money["invoice"].pk))

    assert response.status_code == 503
    assert "cannot be made as PDF" in response.text


# --- The portal ----------------------------------------------------------------------


def test_the_portal_lists_the_patients_documents_in_fixed_queries(
    patient, money, django_assert_num_queries
):
    client = signed_into_portal(patient)
    assert portal_url("documents") in client.get(reverse("booking:portal")).text
    for _more in range(2):
        # the session; the patient; log the view; invoices with balances (1), credit
        # notes with their invoices (1), payments (1)
        with django_assert_num_queries(6):
            page = client.get(portal_url("documents"))
        assert page.status_code == 200
        factories.payment(patient, "1.00", (factories.invoice(patient, "1.00"), "1.00"))

    invoice = money["invoice"]
    text = page.text
    assert invoice.number in text
    assert "£60.00" in text
    assert "Part paid" in text
    assert "£35.00 to pay by" in text  # 60 less 5 credited less 20 paid
    assert money["note"].number in text
    assert portal_url("invoice_pdf", invoice.pk) in text
    assert portal_url("receipt_pdf", money["payment"].pk) in text
    assert portal_url("credit_note_pdf", money["note"].pk) in text
    # Another patient's documents and the draft are not listed.
    assert money["theirs"].number not in text
    assert "£45.00" not in text
    assert portal_url("invoice_pdf", money["draft"].pk) not in text
    assert "no-store" in page["Cache-Control"]


def test_the_patient_downloads_their_own_receipt_logged_as_the_portal(patient, money):
    client = signed_into_portal(patient)
    payment = money["payment"]

    response = client.get(portal_url("receipt_pdf", payment.pk))

    assert_pdf_download(response, f"receipt-R-{payment.pk:06d}.pdf")
    log = PatientAccessLog.objects.get(record="receipt PDF")
    assert (log.user, log.patient, log.via) == (None, patient, AccessVia.PORTAL)


def test_another_patients_documents_and_drafts_are_not_found(patient, money):
    client = signed_into_portal(patient)
    for name, pk in (
        ("invoice_pdf", money["theirs"].pk),
        ("receipt_pdf", money["their_payment"].pk),
        ("invoice_pdf", money["draft"].pk),
        ("credit_note_pdf", 999_999),
    ):
        assert client.get(portal_url(name, pk)).status_code == 404, name
    assert not PatientAccessLog.objects.filter(record__endswith="PDF").exists()


def test_signed_out_the_portal_asks_to_sign_in(money):
    client = Client()
    for name, args in (("documents", ()), ("invoice_pdf", (money["invoice"].pk,))):
        response = client.get(portal_url(name, *args))
        assert response.status_code == 302
        assert response.url == reverse("booking:portal_sign_in")
