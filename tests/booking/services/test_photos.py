"""Cleaning a practitioner's photo before anyone sees it, and keeping it (no admin here)."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from billing.documents import html_to_pdf
from booking.models import PhotoType, PractitionerPhoto
from booking.services.photos import (
    MAX_UPLOAD_BYTES,
    photo_clean,
    practitioner_photo_remove,
    practitioner_photo_set,
)
from tests import factories
from tests.factories import NOW, camera_exif, image_bytes, png_declaring


def clean(data: bytes, *, size: int | None = None):
    return photo_clean(io.BytesIO(data), size=len(data) if size is None else size)


def refusal(data: bytes, *, size: int | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        clean(data, size=size)
    return refused.value


def test_it_makes_a_400_pixel_square():
    photo = clean(image_bytes(size=(1200, 800), image_format="JPEG"))

    image = Image.open(io.BytesIO(photo.data))
    assert image.size == (400, 400)
    assert photo.content_type == PhotoType.WEBP
    assert image.format == "WEBP"
    assert len(photo.digest) == 16


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_it_reads_the_formats_cameras_and_editors_save(image_format):
    photo = clean(image_bytes(image_format=image_format))

    assert Image.open(io.BytesIO(photo.data)).size == (400, 400)


def test_it_drops_the_camera_and_the_place_the_photo_was_taken():
    upload = image_bytes(image_format="JPEG", exif=camera_exif())
    before = Image.open(io.BytesIO(upload)).getexif()
    assert before[ExifTags.Base.Make] == "PhoneMaker"
    assert before.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    photo = clean(upload)

    after = Image.open(io.BytesIO(photo.data))
    assert "exif" not in after.info
    assert not after.getexif()
    assert b"PhoneMaker" not in photo.data
    assert b"Exif" not in photo.data


def test_it_turns_the_photo_upright_before_dropping_the_orientation():
    # Saved on its side: red on the left, blue on the right, "rotate 90° clockwise to
    # show" (orientation 6): upright, red is at the top.
    sideways = Image.new("RGB", (600, 300), "blue")
    sideways.paste("red", (0, 0, 300, 300))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = io.BytesIO()
    sideways.save(out, "JPEG", exif=exif)

    square = Image.open(io.BytesIO(clean(out.getvalue()).data)).convert("RGB")

    red, _, blue = square.getpixel((380, 20))
    assert red > 200 > blue  # top right: red (unturned, it would be blue)
    red, _, blue = square.getpixel((20, 380))
    assert blue > 200 > red  # bottom left: blue


def test_it_puts_a_transparent_background_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)).save(out, "PNG")

    square = Image.open(io.BytesIO(clean(out.getvalue()).data)).convert("RGB")

    assert min(square.getpixel((200, 200))) > 245


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        b"Just some text, named photo.jpg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"",
        image_bytes(image_format="GIF"),  # readable, but not a format a photo comes in
    ],
    ids=["pdf", "text", "svg", "empty", "gif"],
)
def test_it_refuses_what_is_not_a_photo(data):
    refused = refusal(data)

    assert refused.code == "not_an_image"
    assert refused.message == (
        "This file is not a photo we can read. Please choose a JPEG, PNG or WebP image."
    )


def test_it_refuses_a_damaged_photo():
    whole = image_bytes(size=(800, 800), image_format="JPEG")

    assert refusal(whole[: len(whole) // 2]).code == "damaged"


def test_a_damaged_photo_is_refused_after_a_pdf_was_made_in_the_same_process():
    # WeasyPrint's import lets Pillow accept truncated images process-wide; a web worker
    # that has made an invoice must still refuse a damaged photo.
    html_to_pdf("<p>Invoice</p>")
    whole = image_bytes(size=(800, 800), image_format="JPEG")

    assert refusal(whole[: len(whole) // 2]).code == "damaged"


def test_it_refuses_a_file_over_5_mb_before_reading_it():
    refused = refusal(b"never read", size=MAX_UPLOAD_BYTES + 1)

    assert refused.code == "too_large"
    assert "larger than 5 MB" in refused.message


def test_it_takes_a_file_of_exactly_5_mb():
    assert clean(image_bytes(), size=MAX_UPLOAD_BYTES).data


@pytest.mark.parametrize(
    "dimensions",
    [
        (7_000, 7_000),  # 49 megapixels: over our limit, under Pillow's
        (10_000, 10_000),  # over Pillow's warning threshold
        (20_000, 20_000),  # over twice it: Pillow's DecompressionBombError
        (2**31 - 1, 2**31 - 1),
    ],
)
def test_it_refuses_a_tiny_file_that_claims_too_many_pixels(dimensions):
    bomb = png_declaring(*dimensions)
    assert len(bomb) < 100

    refused = refusal(bomb)

    assert refused.code == "too_many_pixels"
    assert "too many pixels" in refused.message


def test_pillow_itself_calls_the_largest_one_a_bomb():
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(png_declaring(20_000, 20_000)))


def test_it_refuses_a_photo_too_small_to_look_sharp():
    refused = refusal(image_bytes(size=(640, 150)))

    assert refused.code == "too_small"
    assert "at least 200 pixels" in refused.message


# --- Keeping it ------------------------------------------------------------------------------


def test_it_publishes_the_photo_with_who_confirmed_consent(clinic):
    manager = factories.staff(username="morgan")
    photo = clean(image_bytes())

    kept = practitioner_photo_set(
        practitioner=clinic.alice, photo=photo, confirmed_by=manager, now=NOW
    )

    kept.refresh_from_db()
    assert bytes(kept.image) == photo.data
    assert kept.content_type == "image/webp"
    assert kept.digest == photo.digest
    assert kept.consent_confirmed_by == manager
    assert kept.consent_confirmed_at == NOW


def test_a_new_photo_replaces_the_old_one(clinic):
    first = factories.practitioner_photo(clinic.alice, colour="teal")

    second = factories.practitioner_photo(clinic.alice, colour="orange")

    assert PractitionerPhoto.objects.get().digest == second.digest != first.digest


def test_removing_it_brings_back_the_initials(clinic):
    factories.practitioner_photo(clinic.alice)
    factories.practitioner_photo(clinic.bob)

    practitioner_photo_remove(practitioner=clinic.alice)
    practitioner_photo_remove(practitioner=clinic.alice)  # twice: nothing to remove

    assert list(PractitionerPhoto.objects.values_list("practitioner", flat=True)) == [clinic.bob.pk]
