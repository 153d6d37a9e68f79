"""Invoices, receipts and credit notes as PDF: what their text says, and what it never
says. Few documents on purpose: WeasyPrint takes about half a second for each."""

import http.server
import io
import threading
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing.documents import (
    FetchRefused,
    credit_note_pdf,
    html_to_pdf,
    invoice_pdf,
    local_only_fetcher,
    receipt_number,
    receipt_pdf,
)
from billing.services.credit_notes import credit_note_issue
from billing.services.invoices import invoice_draft_for_appointment, invoice_issue
from clinic.roles import MANAGER
from tests import factories
from tests.factories import NOW


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # pypdf splits some runs of text with newlines; one line is what a reader sees.
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def documents_settings(settings):
    settings.CLINIC_NAME = "Riverside Dry Needling Clinic"
    settings.CLINIC_LEGAL_NAME = "Riverside Physio Ltd"
    settings.CLINIC_REGISTRATION = "Company 01234567"
    # VAT-registered for its products; its treatments are exempt all the same.
    settings.CLINIC_VAT_NUMBER = "GB 123 4567 89"
    return settings


@pytest.fixture
def treated(clinic, patient, documents_settings):
    """An issued invoice for a completed session with a signed note behind it."""
    clinic.alice.registration_number = "HCPC PH123456"
    clinic.alice.save()
    visit = factories.signed_visit(clinic, patient, 0, lot="LOT-QX9")
    clerk = factories.clerk()
    draft = invoice_draft_for_appointment(appointment=visit.appointment, created_by=clerk)
    return visit, invoice_issue(invoice=draft, issued_by=clerk, now=NOW)


def test_an_invoice_shows_the_clinic_the_number_the_amount_and_the_registration(treated):
    visit, invoice = treated
    text = text_of(invoice_pdf(invoice))
    assert f"Invoice {invoice.number}" in text
    assert "Total £50.00" in text
    assert "Reg. HCPC PH123456" in text
    assert "Riverside Dry Needling Clinic" in text
    assert "Riverside Physio Ltd" in text
    assert "Registration: Company 01234567" in text
    assert "VAT number: GB 123 4567 89" in text
    assert "Exempt £50.00 £0.00 £50.00" in text  # the line's VAT status and amounts
    assert "exempt from VAT as medical care by a registered health professional" in text
    assert visit.appointment.start.strftime("%-d %b %Y") in text  # the date of treatment
    assert "Charlie Patient" in text
    # The service's name and nothing else of the record: no complaint, no note, no lot.
    for clinical in (visit.episode.complaint, "LOT-QX9", "Continue", "Session 0"):
        assert clinical not in text


def test_a_receipt_shows_the_amount_paid_and_its_number(treated, patient):
    _, invoice = treated
    payment = factories.payment(patient, "80.00", (invoice, "50.00"), method="cash")
    text = text_of(receipt_pdf(payment))
    assert f"Receipt {receipt_number(payment)}" in text
    assert "Amount received £80.00" in text
    assert f"Towards invoice {invoice.number} £50.00" in text
    assert "Held as credit for future visits £30.00" in text
    assert "Reg. HCPC PH123456" in text


def test_a_credit_note_names_the_invoice_it_credits(treated):
    _, invoice = treated
    note = credit_note_issue(
        invoice=invoice,
        reason="Charged twice",
        issued_by=factories.staff(username="mona", role=MANAGER),
        now=NOW,
        amount=Decimal("15.00"),
    )
    text = text_of(credit_note_pdf(note))
    assert f"Credit note {note.number}" in text
    assert f"Credits invoice {invoice.number}" in text
    assert "Total credited £15.00" in text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/logo.png",
        "https://example.com/style.css",
        "file:///etc/passwd",
        "ftp://example.com/x",
    ],
)
def test_the_url_fetcher_refuses_anything_but_data_uris(url):
    with pytest.raises(FetchRefused):
        local_only_fetcher().fetch(url)


def test_the_url_fetcher_reads_a_data_uri():
    response = local_only_fetcher().fetch("data:text/plain;base64,aGVsbG8=")
    try:
        assert response.read() == b"hello"
    finally:
        response.close()


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_document_fetches_nothing_from_the_network():
    """A link written into a document (a line's description, a note) never makes the
    server fetch it: proved with a server that records every request."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        html = (
            f'<link rel="stylesheet" href="{base}/style.css">'
            f'<p style="background: url({base}/bg.png)">Hello</p><img src="{base}/img.png">'
        )
        assert html_to_pdf(html).startswith(b"%PDF")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert _Recorder.hits == []


def test_a_gift_vouchers_invoice_says_it_is_outside_the_scope_of_vat(patient, documents_settings):
    from billing.services.voucher_sales import voucher_sell

    voucher = voucher_sell(
        buyer=patient,
        amount=Decimal("50.00"),
        recipient_name="Robin Gift",
        recipient_email="",
        message="",
        sold_by=factories.clerk(),
        now=NOW,
    )
    text = text_of(invoice_pdf(voucher.sale_invoice))
    assert "Gift voucher £50.00 for Robin Gift" in text
    assert "Outside the scope of VAT" in text
    assert "outside the scope of VAT when sold" in text
    assert "exempt from VAT as medical care" not in text
