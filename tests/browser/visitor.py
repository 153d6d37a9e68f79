"""A visitor in Chromium: visits pages, checks each with axe-core at both sizes, and
saves screenshots of the main steps."""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    FloatRect,
    Locator,
    Page,
    ViewportSize,
)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"

# A Monday at 10:30 in January: the clinic's factories' week (tests/factories.py).
BROWSER_NOW = dt.datetime(2027, 1, 11, 10, 30, tzinfo=dt.UTC)

SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
# What the clinic refuses to ship: axe's two worst impact levels, contrast included.
BLOCKING = {"serious", "critical"}


@dataclass
class Visitor:
    context: BrowserContext
    page: Page
    name: str
    size: str
    javascript: bool
    checked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    # With JavaScript off, axe runs in a second page (JavaScript on) given this page's HTML.
    checker: Page | None = None

    @classmethod
    def start(
        cls,
        chromium: Browser,
        *,
        base_url: str,
        name: str,
        size: str = "desktop",
        javascript: bool = True,
    ) -> Self:
        context = chromium.new_context(
            base_url=base_url, viewport=SIZES[size], java_script_enabled=javascript
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        visitor = cls(context=context, page=page, name=name, size=size, javascript=javascript)
        if not javascript:
            visitor.checker = chromium.new_context(base_url=base_url).new_page()
        page.on("console", visitor._console)
        return visitor

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def close(self) -> None:
        self.context.close()
        if self.checker is not None:
            self.checker.context.close()

    # --- pages ---------------------------------------------------------------------------

    def visit(self, path: str) -> Page:
        response = self.page.goto(path)
        assert response is not None
        assert response.status < 400, f"{path} answered {response.status}"
        self.check()
        return self.page

    def click(self, name: str, *, role: str = "button", exact: bool = False) -> None:
        """Click a button or link by its accessible name, wait for the page it leads to
        (not the one still showing), then check it."""
        with self.page.expect_navigation():
            self.page.get_by_role(role, name=name, exact=exact).first.click()  # type: ignore[arg-type]
        self.check()

    def press(self, target: Locator) -> None:
        """Click an element found otherwise (a time, a calendar block), like `click`."""
        with self.page.expect_navigation():
            target.click()
        self.check()

    def check(self) -> None:
        """axe-core at phone and desktop sizes: no serious or critical violation; and no
        script or style refused by the Content Security Policy."""
        self.page.wait_for_load_state()
        checked = self._page_for_axe()
        for size in ("phone", "desktop"):
            checked.set_viewport_size(SIZES[size])
            violations = self._axe(checked)
            assert not violations, f"axe at {size} size on {self.page.url}:\n" + "\n".join(
                violations
            )
        self.page.set_viewport_size(SIZES[self.size])
        refused = [text for text in self.console_errors if "Content Security Policy" in text]
        assert not refused, refused
        self.checked.append(self.page.url)

    def _page_for_axe(self) -> Page:
        """The page itself; with JavaScript off (where nothing can run in it, axe included),
        a JavaScript page at the same address served this page's HTML, scripts removed."""
        if self.checker is None:
            return self.page
        html = re.sub(r"<script\b.*?</script>", "", self.page.content(), flags=re.DOTALL)
        url = self.page.url
        self.checker.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        self.checker.goto(url)
        self.checker.unroute(url)
        return self.checker

    @staticmethod
    def _axe(page: Page) -> list[str]:
        # Evaluated through the browser's debugging protocol, so the page's strict CSP
        # (no inline script) does not block it.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text())
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [
            f"  {v['impact']}: {v['id']} ({v['help']}) at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:5])
            for v in result["violations"]
            if v["impact"] in BLOCKING
        ]

    def shot(self, step: str, *, clip: FloatRect | None = None) -> Path:
        """Save a full-page screenshot of the current page as build/screenshots/<step>.png,
        or only the part of the page in ``clip`` (page coordinates), for a small picture."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', step.lower())}.png"
        self.page.screenshot(path=path, full_page=True, clip=clip)
        return path

    def text(self) -> str:
        return self.page.inner_text("main")


def sign_in(visitor: Visitor, user: object, *, password: str) -> None:
    """Sign in at the staff sign-in page with both factors: the password, then the code
    the staff member's authenticator app shows (computed from their confirmed device)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Phone"}
    )
    visitor.visit("/staff/login/")
    visitor.page.fill("[name=username]", user.get_username())  # type: ignore[attr-defined]
    visitor.page.fill("[name=password]", password)
    visitor.click("Sign in")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    visitor.page.fill("[name=code]", f"{code:0{device.digits}d}")
    visitor.click("Continue")


def fill(visitor: Visitor, data: dict[str, object]) -> None:
    """Fill the page's form as a person would: type into text fields, pick from lists,
    tick boxes and choose radio buttons by their values."""
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        field = visitor.page.locator(f"[name='{name}']").first
        kind = field.evaluate("(e) => e.type || e.tagName.toLowerCase()")
        if kind in {"checkbox", "radio"}:
            for one in values:
                visitor.page.locator(f"[name='{name}'][value='{one}']").check()
        elif kind.startswith("select"):
            field.select_option([str(one) for one in values])
        else:
            field.fill(str(value))
