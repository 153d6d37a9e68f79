"""The manager uploads or removes a practitioner's photo on the practitioner's admin page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from booking.models import PractitionerPhoto
from booking.services.photos import MAX_UPLOAD_BYTES
from clinic.roles import MANAGER, PRACTITIONER
from tests import factories
from tests.factories import camera_exif, image_bytes, png_declaring


def change_url(practitioner) -> str:
    return reverse("admin:booking_practitioner_change", args=[practitioner.pk])


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="morgan", role=MANAGER))


def as_posted(page, **changes) -> dict:
    """The change page's form as the browser would post it back, with `changes`."""
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False or field.name in {"photo"}:
                continue
            if isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = "on" if value is True else str(value)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def upload(data: bytes, name: str = "portrait.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def post_photo(client, practitioner, data: bytes, **changes):
    page = client.get(change_url(practitioner))
    return client.post(change_url(practitioner), as_posted(page, photo=upload(data), **changes))


def test_the_manager_publishes_a_photo_the_practitioner_agreed_to(manager, clinic):
    jpeg = image_bytes(size=(900, 1200), image_format="JPEG", exif=camera_exif())

    response = post_photo(manager, clinic.alice, jpeg, photo_consent="on")

    assert response.status_code == 302
    photo = PractitionerPhoto.objects.get(practitioner=clinic.alice)
    assert photo.consent_confirmed_by.username == "morgan"
    kept = Image.open(io.BytesIO(bytes(photo.image)))
    assert kept.size == (400, 400)
    assert not kept.getexif().get(ExifTags.Base.Make)
    page = manager.get(reverse("booking:practitioner", args=["alice"]))
    assert f'src="{photo.get_absolute_url()}"' in page.text
    # The hours inline went back unchanged.
    assert clinic.alice.weekly_hours.count() == 10


def test_the_change_page_shows_the_photo_now_and_who_confirmed_consent(manager, clinic):
    morgan = factories.staff(username="morgan2")
    photo = factories.practitioner_photo(clinic.alice, confirmed_by=morgan)

    page = manager.get(change_url(clinic.alice))

    assert f'<img src="{photo.get_absolute_url()}" width="128" height="128"' in page.text
    assert "Consent confirmed by morgan2" in page.text
    assert 'accept="image/jpeg,image/png,image/webp"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert (
        "the pages show the practitioner&#x27;s initials"
        in manager.get(change_url(clinic.bob)).text
    )


def test_without_the_consent_box_nothing_is_published(manager, clinic):
    response = post_photo(manager, clinic.alice, image_bytes(image_format="JPEG"))

    assert response.status_code == 200
    assert "Tick this box to publish the photo" in response.text
    assert not PractitionerPhoto.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a photo", "This file is not a photo we can read."),
        (png_declaring(20_000, 20_000), "too many pixels to process safely"),
        (b"\xff" * (MAX_UPLOAD_BYTES + 1), "larger than 5 MB"),
    ],
    ids=["not-an-image", "bomb", "over-5-mb"],
)
def test_it_refuses_what_is_not_a_photo_with_a_message(manager, clinic, data, message):
    response = post_photo(manager, clinic.alice, data, photo_consent="on")

    assert response.status_code == 200
    assert message in response.text
    assert not PractitionerPhoto.objects.exists()


def test_the_manager_removes_the_photo(manager, clinic):
    factories.practitioner_photo(clinic.alice)
    page = manager.get(change_url(clinic.alice))

    response = manager.post(change_url(clinic.alice), as_posted(page, remove_photo="on"))

    assert response.status_code == 302
    assert not PractitionerPhoto.objects.exists()
    public = manager.get(reverse("booking:practitioner", args=["alice"]))
    assert '<span class="avatar avatar-lg" aria-hidden="true">AP</span>' in public.text


def test_a_new_photo_and_remove_together_is_refused(manager, clinic):
    old = factories.practitioner_photo(clinic.alice)

    response = post_photo(
        manager, clinic.alice, image_bytes(), photo_consent="on", remove_photo="on"
    )

    assert "Either choose a new photo or remove it, not both." in response.text
    assert PractitionerPhoto.objects.get().digest == old.digest


def test_saving_other_fields_keeps_the_photo(manager, clinic):
    photo = factories.practitioner_photo(clinic.alice)
    page = manager.get(change_url(clinic.alice))

    response = manager.post(change_url(clinic.alice), as_posted(page, title="Osteopath"))

    assert response.status_code == 302
    assert PractitionerPhoto.objects.get().digest == photo.digest


def test_a_practitioner_on_their_own_page_cannot_change_their_photo(client, clinic):
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    page = client.get(change_url(clinic.alice))
    assert page.status_code == 200
    assert 'name="photo"' not in page.text

    response = client.post(
        change_url(clinic.alice),
        as_posted(page, photo=upload(image_bytes()), photo_consent="on"),
    )

    assert response.status_code == 302  # their hours saved
    assert not PractitionerPhoto.objects.exists()
