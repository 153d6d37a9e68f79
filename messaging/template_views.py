"""The manager's pages for the wording of patients' messages (decision 0110): the list per
channel ("edited" or "default"), the edit form with its placeholders, a preview with the
demo patient and a sample appointment (nothing written), and reset to default."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import staff_required, staff_user
from messaging import catalogue, templating
from messaging.email_layout import Action, Card
from messaging.rendering import base_context as rendering_base_context
from messaging.rendering import render_wording
from messaging.template_forms import WordingForm
from messaging.wording import (
    check_wording,
    current,
    entries,
    message_template_reset,
    message_template_save,
)

VIEW, CHANGE, DELETE = (
    "messaging.view_messagetemplate",
    "messaging.change_messagetemplate",
    "messaging.delete_messagetemplate",
)


# The preview is the email's own HTML: inline styles and the clinic's logo, nothing else,
# in a sandbox (no script, no form, an origin of its own), framed by the edit page only.
def _sandboxed(response: HttpResponse) -> HttpResponse:
    """The preview's own policy: the logo from the address emails link to (SITE_URL)."""
    policy: dict[str, Any] = {
        "default-src": [CSP.NONE],
        "style-src": [CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:", settings.SITE_URL],
        "frame-ancestors": [CSP.SELF],
        "sandbox": True,  # the directive alone
    }
    response._csp_config = policy  # type: ignore[attr-defined]  # what csp_override sets
    return response


def _kind(channel: str, name: str) -> catalogue.Kind:
    try:
        return catalogue.get(name, channel)
    except KeyError:
        raise Http404 from None


def _sample(kind: catalogue.Kind) -> dict:
    """The demo patient, a sample appointment and the kind's sample values."""
    clinic = rendering_base_context()
    context = {
        name: catalogue.SAMPLE.get(name, f"[{name}]")
        for name in kind.placeholders
        if name not in clinic
    }
    card = Card(
        service=catalogue.SAMPLE["service"],
        practitioner=catalogue.SAMPLE["practitioner"],
        when="Tuesday 8 December 2026, 14:30–15:00 GMT",
        place=catalogue.SAMPLE["place"],
        address="12 River Street, London",
        reference="SAMPLE1",
    )
    appointment = "when" in kind.placeholders
    return {
        "context": context,
        "action": Action("Open the link", catalogue.SAMPLE["link"]),
        "cards": [card] if appointment else [],
    }


@staff_required(VIEW)
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    channels = [
        (label, channel, entries(channel))
        for channel, label in ((catalogue.EMAIL, "Emails"), (catalogue.TEXT, "Text messages"))
    ]
    return render(request, "staff/messaging/templates.html", {"channels": channels})


@staff_required(VIEW, CHANGE)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, channel: str, kind: str) -> HttpResponse:
    """Save the manager's wording; anything refused is shown with what they typed."""
    found = _kind(channel, kind)
    email = channel == catalogue.EMAIL
    subject, body, saved = current(found, channel)
    status = 200
    if request.method == "POST":
        form = WordingForm(request.POST, email=email)
        if form.is_valid():
            try:
                message_template_save(
                    kind=found,
                    channel=channel,
                    subject=form.cleaned_data.get("subject", ""),
                    body=form.cleaned_data["body"],
                    by=staff_user(request),
                )
            except templating.TemplateRefused as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Saved the wording of “{found.title}”.")
                return redirect("messaging_staff:template_edit", channel=channel, kind=kind)
        status = 400
    else:
        form = WordingForm(initial={"subject": subject, "body": body}, email=email)
    context = {
        "kind": found,
        "channel": channel,
        "email": email,
        "form": form,
        "saved": saved,
        "placeholders": [
            (name, "{{ " + name + " }}", catalogue.SAMPLE.get(name, ""))
            for name in found.placeholders
        ],
    }
    return render(request, "staff/messaging/template_edit.html", context, status=status)


@staff_required(VIEW, CHANGE)
@require_http_methods(["GET", "POST"])
@xframe_options_sameorigin
def template_preview(request: HttpRequest, channel: str, kind: str) -> HttpResponse:
    """The message as the demo patient would get it: the saved wording (GET) or what the
    manager typed (POST, from the edit form's Preview button into the frame). Nothing is
    saved; wording that would be refused shows why instead."""
    found = _kind(channel, kind)
    if request.method == "POST":
        subject = request.POST.get("subject", "")[:150]
        body = request.POST.get("body", "")[:5000]
    else:
        subject, body, _saved = current(found, channel)
    sample = _sample(found)
    try:
        check_wording(found, channel, subject=subject, body=body)
    except templating.TemplateRefused as error:
        return _sandboxed(
            render(request, "staff/messaging/preview_refused.html", {"error": error.message})
        )
    rendered = render_wording(found, channel, subject=subject, body=body, **sample)
    if channel == catalogue.EMAIL:
        return _sandboxed(HttpResponse(_with_text_part(rendered.html, rendered.text)))
    return _sandboxed(render(request, "staff/messaging/preview_text.html", {"text": rendered.text}))


def _with_text_part(html: str, text: str) -> str:
    """The email's HTML with its plain-text part shown after it, for the preview only."""
    shown = (
        '<section aria-label="Plain-text part" style="max-width:600px;margin:0 auto 24px;'
        'padding:0 8px;font-family:Arial,sans-serif;color:#1d2b2f;">'
        '<h2 style="font-size:18px;">Plain-text part</h2>'
        '<pre style="white-space:pre-wrap;overflow-wrap:anywhere;background:#ffffff;'
        f'border:1px solid #c5d1d1;padding:12px;font-size:14px;">{escape(text)}</pre></section>'
    )
    return html.replace("</body>", shown + "\n</body>", 1)


@staff_required(VIEW, DELETE)
@require_POST
def template_reset(request: HttpRequest, channel: str, kind: str) -> HttpResponse:
    found = _kind(channel, kind)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "staff/messaging/template_reset.html",
            {"kind": found, "channel": channel},
        )
    if message_template_reset(kind=found, channel=channel):
        messages.success(request, f"“{found.title}” is back to the default wording.")
    return redirect("messaging_staff:template_edit", channel=channel, kind=kind)
