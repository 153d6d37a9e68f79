"""A practitioner's photo, served from the database, and the pages that show it (or the
initials)."""

import re

import pytest
from django.urls import reverse

from booking.models import Practitioner
from tests import factories


def photo_url(photo) -> str:
    return photo.get_absolute_url()


# --- The photo itself -----------------------------------------------------------------------


def test_it_serves_the_photo_for_a_year(client, clinic, django_assert_num_queries):
    photo = factories.practitioner_photo(clinic.alice)
    url = photo_url(photo)
    assert url == f"/practitioners/alice/photo/{photo.digest}.webp"

    with django_assert_num_queries(1):  # the photo, if its practitioner is active
        response = client.get(url)

    assert response.status_code == 200
    assert response.content == bytes(photo.image)
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response


def test_it_answers_a_head_request_and_refuses_a_post(client, clinic):
    url = photo_url(factories.practitioner_photo(clinic.alice))

    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


def test_an_old_address_is_gone_once_the_photo_changes(client, clinic):
    old = photo_url(factories.practitioner_photo(clinic.alice, colour="teal"))
    new = photo_url(factories.practitioner_photo(clinic.alice, colour="orange"))

    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_it_has_no_photo_of_a_practitioner_who_left(client, clinic):
    url = photo_url(factories.practitioner_photo(clinic.alice))
    Practitioner.objects.filter(pk=clinic.alice.pk).update(is_active=False)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/practitioners/bob/photo/0123456789abcdef.webp",  # Bob has no photo
        "/practitioners/nobody/photo/0123456789abcdef.webp",
        "/practitioners/alice/photo/0123456789abcdef.webp",  # not Alice's digest
    ],
)
def test_it_answers_not_found_without_a_photo(client, clinic, url):
    factories.practitioner_photo(clinic.alice)

    assert client.get(url).status_code == 404


def test_it_answers_not_found_for_another_extension(client, clinic):
    url = photo_url(factories.practitioner_photo(clinic.alice))

    assert client.get(url.replace(".webp", ".jpg")).status_code == 404
    assert client.get(url.replace(".webp", ".svg")).status_code == 404


# --- The pages that show it ------------------------------------------------------------------


def img_tag(page, practitioner) -> str | None:
    pattern = rf'<img class="avatar[^"]*" src="/practitioners/{practitioner.slug}/photo/[^>]*>'
    found = re.search(pattern, page.text)
    return found and found.group(0)


def test_the_practitioners_page_shows_a_photo_or_the_initials(client, clinic):
    photo = factories.practitioner_photo(clinic.alice)

    page = client.get(reverse("booking:practitioners"))

    assert img_tag(page, clinic.alice) == (
        f'<img class="avatar" src="{photo_url(photo)}" width="48" height="48" '
        'alt="Alice Practitioner" loading="lazy" decoding="async">'
    )
    assert '<span class="avatar" aria-hidden="true">BP</span>' in page.text
    assert '<span class="avatar" aria-hidden="true">AP</span>' not in page.text


def test_the_practitioner_page_shows_a_large_photo(client, clinic):
    photo = factories.practitioner_photo(clinic.alice)

    alice = client.get(reverse("booking:practitioner", args=["alice"]))
    bob = client.get(reverse("booking:practitioner", args=["bob"]))

    assert img_tag(alice, clinic.alice) == (
        f'<img class="avatar avatar-lg" src="{photo_url(photo)}" width="128" height="128" '
        'alt="Alice Practitioner" loading="lazy" decoding="async">'
    )
    assert '<span class="avatar avatar-lg" aria-hidden="true">BP</span>' in bob.text
    assert "<img" not in bob.text.split("<main", 1)[-1]


def test_the_where_step_shows_a_photo_or_the_initials(client, clinic):
    photo = factories.practitioner_photo(clinic.bob)

    page = client.get(reverse("booking:where", args=[clinic.initial.slug]))

    assert photo_url(photo) in img_tag(page, clinic.bob)
    assert 'alt="Bob Practitioner"' in img_tag(page, clinic.bob)
    assert '<span class="avatar" aria-hidden="true">AP</span>' in page.text


def _team(clinic, size: int) -> None:
    """`size` practitioners at Riverside offering both services, every other one with a
    photo."""
    team = [clinic.alice, clinic.bob]
    team += [
        factories.practitioner(
            slug=f"p{n}",
            first_name=f"P{n}",
            location=clinic.location,
            services=[clinic.initial, clinic.follow_up],
        )
        for n in range(size - 2)
    ]
    for member in team[::2]:
        factories.practitioner_photo(member)


def _no_photo_bytes(queries) -> None:
    for query in queries:
        assert '"booking_practitionerphoto"."image"' not in query["sql"]


@pytest.mark.parametrize("size", [2, 12])
def test_the_practitioners_page_reads_the_team_in_three_queries(
    client, clinic, django_assert_num_queries, size
):
    _team(clinic, size)
    # 1 the active practitioners with their users and their photos' digests and types;
    # prefetched: 2 their services, 3 their locations.
    with django_assert_num_queries(3) as queries:
        page = client.get(reverse("booking:practitioners"))
    assert page.text.count('<img class="avatar"') == size // 2
    _no_photo_bytes(queries.captured_queries)


def test_the_practitioner_page_reads_in_three_queries(client, clinic, django_assert_num_queries):
    factories.practitioner_photo(clinic.alice)
    # 1 the practitioner with their user and their photo's digest and type; prefetched:
    # 2 their services, 3 their locations.
    with django_assert_num_queries(3) as queries:
        page = client.get(reverse("booking:practitioner", args=["alice"]))
    assert '<img class="avatar avatar-lg"' in page.text
    _no_photo_bytes(queries.captured_queries)


@pytest.mark.parametrize("size", [2, 12])
def test_the_where_step_reads_in_three_queries(client, clinic, django_assert_num_queries, size):
    _team(clinic, size)
    # 1 the service; 2 the locations offering it; 3 (prefetched) the practitioners
    # offering it at each, with their users and their photos' digests and types.
    with django_assert_num_queries(3) as queries:
        page = client.get(reverse("booking:where", args=[clinic.initial.slug]))
    assert page.text.count('<img class="avatar"') == size // 2
    _no_photo_bytes(queries.captured_queries)
