"""Patients' emails rendered in Chromium as a mail client would show them: at a phone's
width (375 px), Gmail's and Outlook's reading panes (600 px) and a wide window (1024 px),
nothing runs off the side, the button shows with its address printed whole, and axe finds
no violation at all. The manager's wording editor passes axe too, with its preview."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from billing.notify.documents import document_email
from booking.notify.emails import appointment_email
from clinic.roles import MANAGER
from tests import factories
from tests.browser.visitor import AXE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (375, 600, 1024)
PASSWORD = "manager-pass-for-tests"


def every_violation(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']}: {v['id']} ({v['help']})" for v in result["violations"]]


def check_email(page: Page, html: str, *, label: str, url: str, name: str) -> None:
    page.set_content(html, wait_until="load")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} runs {overflow} px off the side at {width} px"
        button = page.get_by_role("link", name=label, exact=True)
        assert button.is_visible()
        assert button.get_attribute("href") == url
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
        printed = page.get_by_role("link", name=url, exact=True)
        assert printed.inner_text() == url  # the address whole, wrapped inside the column
        printed_box = printed.bounding_box()
        assert printed_box is not None
        assert printed_box["x"] + printed_box["width"] <= width
        logo = page.locator("img").first
        assert logo.evaluate("(img) => img.complete && img.naturalWidth > 0")
        assert every_violation(page) == [], f"{name} at {width} px"
        page.screenshot(path=f"build/screenshots/email-{name}-{width}.png", full_page=True)


def test_a_reminder_and_an_invoice_email_read_well_at_every_width(
    chromium, live_server, settings, clinic, patient
):
    settings.SITE_URL = live_server.url
    appointment = factories.book(clinic, patient, factories.at(14))
    reminder = appointment_email(appointment, "reminder")
    invoice = document_email(kind="invoice_ready", patient=patient)
    manage = next(
        line
        for line in reminder.body.splitlines()
        if line.startswith(f"{live_server.url}/appointment/")
    )
    documents = f"{live_server.url}{reverse('billing_portal:documents')}"

    page = chromium.new_page()
    try:
        check_email(
            page,
            reminder.alternatives[0].content,
            label="Change or cancel your appointment",
            url=manage,
            name="reminder",
        )
        check_email(
            page,
            invoice.alternatives[0].content,
            label="Your invoices and receipts",
            url=documents,
            name="invoice",
        )
    finally:
        page.close()


def test_the_managers_wording_editor_and_its_preview(visitor, settings, live_server):
    settings.SITE_URL = live_server.url
    manager = factories.staff(username="mona", role=MANAGER, password=PASSWORD)
    sign_in(visitor, manager, password=PASSWORD)
    visitor.visit(reverse("messaging_staff:templates"))
    visitor.click("Reminder", role="link", exact=True)
    frame = visitor.page.frame_locator("iframe[name=preview]")
    assert "Hello Dana," in frame.locator("body").inner_text()
    visitor.shot("messages-edit-reminder")

    visitor.page.fill("[name=body]", "Hi {{ first_name }}, see you {{ when }} at {{ place }}.")
    visitor.page.get_by_role("button", name="Preview").click()
    frame.get_by_text(
        "Hi Dana, see you Tue 8 Dec, 14:30 at Riverside Clinic.", exact=True
    ).wait_for()

    visitor.page.fill("[name=body]", "Hi {{ frist_name }}")
    visitor.click("Save")
    assert "Unknown placeholder {{ frist_name }}" in visitor.text()
    assert visitor.page.input_value("[name=body]") == "Hi {{ frist_name }}"
