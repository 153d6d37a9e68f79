from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static

from booking.selectors.catalogue import bookable_services
from clinic.models import Page


def _published_page(slug: str) -> Page:
    return get_object_or_404(
        Page.objects.prefetch_related("sections"), slug=slug, is_published=True
    )


def home(request: HttpRequest) -> HttpResponse:
    page = Page.objects.prefetch_related("sections").filter(slug="home", is_published=True).first()
    return render(request, "clinic/home.html", {"page": page, "services": bookable_services()})


def page(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "clinic/page.html", {"page": _published_page(slug)})


def favicon(_request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the pages link; the mark is an SVG. Resolved
    per request, not at import, so the URLs load before collectstatic has run."""
    return HttpResponsePermanentRedirect(static("brand/favicon.svg"))
