from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

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
