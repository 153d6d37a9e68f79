"""The public pages in Chromium: each passes axe at both sizes."""

import pytest
from playwright.sync_api import Route

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_public_pages_pass_axe(visitor):
    clinic = factories.clinic()
    for path in ["/", "/about/about-dry-needling/", "/services/", "/practitioners/", "/my/"]:
        visitor.visit(path)
    visitor.visit(f"/practitioners/{clinic.alice.slug}/")
    visitor.visit(f"/book/{clinic.initial.slug}/{clinic.location.slug}/month/?practitioner=any")
    visitor.shot("booking-month")
    visitor.visit("/")
    visitor.shot("home")


def _hard_to_read(route: Route) -> None:
    """The real home page with a pale grey paragraph added (and no CSP, to allow its style)."""
    response = route.fetch()
    body = response.text().replace("</main>", '<p style="color: #c8c8c8">Hard to read</p></main>')
    headers = {
        key: value
        for key, value in response.headers.items()
        if key.lower() != "content-security-policy"
    }
    route.fulfill(response=response, body=body, headers=headers)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_check_catches_poor_contrast(make_visitor, javascript):
    """The axe check can fail, with JavaScript on or off."""
    visitor = make_visitor(javascript=javascript)
    visitor.page.route("**/", _hard_to_read)
    visitor.page.goto("/")
    with pytest.raises(AssertionError, match="color-contrast"):
        visitor.check()
