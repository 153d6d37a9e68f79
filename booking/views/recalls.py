"""Recalls (decision 0111): the desk's list of who is due one and the ones sent, and the
patient's "I don't need another appointment" link."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from booking import links
from booking.selectors.recalls import due_recalls, recent_recalls
from booking.services.recalls import recall_decline
from clinic import ratelimit
from clinic.access import staff_required, staff_user
from clinic.headers import client_ip
from patients.models import AccessVia
from patients.services import access_log_record_listed

PER_PAGE = 50
# Declines per visitor's address per hour: far above one household's.
DECLINES_PER_IP = 20


@staff_required("booking.view_recall")
@require_GET
def recalls(request: HttpRequest) -> HttpResponse:
    """Due recalls (the nightly job sends them) and those queued in the last 90 days,
    each list paged on its own; each patient shown is logged as seen (their messages)."""
    now = timezone.now()
    due = Paginator(due_recalls(now=now), PER_PAGE).get_page(request.GET.get("due"))
    sent = Paginator(recent_recalls(now=now), PER_PAGE).get_page(request.GET.get("sent"))
    access_log_record_listed(
        user=staff_user(request),
        patient_ids=[d.episode.patient_id for d in due] + [r.patient_id for r in sent],
        record="recalls",
        via=AccessVia.STAFF,
    )
    return render(request, "staff/booking/recalls.html", {"due": due, "sent": sent})


@require_http_methods(["GET", "POST"])
def decline(request: HttpRequest, token: str) -> HttpResponse:
    """One click from the email opens a page with one button (a link scanner following
    the email's links must not decline for the patient); the button records it. The
    page names no one, and answers the same for a link already used."""
    try:
        recall_id = links.recall_id_from_decline_token(token)
    except links.LinkError:
        return render(request, "booking/recall_decline.html", {"invalid": True}, status=400)
    if request.method == "POST":
        if not ratelimit.public_write_allowed(
            "recall-decline", ip=client_ip(request), per_ip=DECLINES_PER_IP, now=timezone.now()
        ):
            return render(request, "booking/rate_limited.html", {"what": "requests"}, status=429)
        recall_decline(recall_id=recall_id, now=timezone.now())
        return render(request, "booking/recall_decline.html", {"done": True})
    return render(request, "booking/recall_decline.html", {})
