"""Practitioners' photos: an upload checked and cleaned before anyone sees it, then kept
in the database (decision 0071)."""

import datetime as dt
import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError, features

from booking.models import PhotoType, Practitioner, PractitionerPhoto

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Far below Pillow's own bomb threshold (about 89 megapixels), and above any phone camera's
# photo: decoding a 40-megapixel image takes about 160 MB for a moment.
MAX_PIXELS = 40_000_000
MIN_SIDE = 200  # smaller photos would look blurred at the size pages show them
SIDE = 400  # the square the photo is cropped and scaled to
READABLE = ["JPEG", "PNG", "WEBP"]
# Pillow's wheels include WebP; a Pillow built without it still makes JPEGs.
OUTPUT = PhotoType.WEBP if features.check("webp") else PhotoType.JPEG
# A little above the middle: portraits are framed with the face in the upper part.
CENTRING = (0.5, 0.4)


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: PhotoType

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]


def photo_clean(upload: IO[bytes], *, size: int) -> CleanPhoto:
    """The upload as a 400x400 square, re-encoded from its pixels alone: no EXIF (camera,
    GPS position, time taken), no comments, no colour profile. Raises ValidationError, with
    words for the person who uploaded it, for anything that is not a photo we can read or
    is too large to decode safely."""
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "This photo is larger than 5 MB. Please choose a smaller one.", code="too_large"
        )
    upload.seek(0)
    image = _open(upload)
    with image:
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        if min(image.width, image.height) < MIN_SIDE:
            raise ValidationError(
                f"This photo is too small: please choose one at least {MIN_SIDE} pixels "
                "wide and high.",
                code="too_small",
            )
        square = _square(image)
    out = io.BytesIO()
    if OUTPUT == PhotoType.WEBP:
        square.save(out, "WEBP", quality=82, method=4)
    else:
        square.save(out, "JPEG", quality=85, optimize=True)
    return CleanPhoto(data=out.getvalue(), content_type=OUTPUT)


def _open(upload: IO[bytes]) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns, rather than refuses, between its limit and twice it; our own
            # limit is lower, so the size check after opening refuses those too.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(upload, formats=READABLE)
    except Image.DecompressionBombError as error:
        raise _too_many_pixels() from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ValidationError(
            "This file is not a photo we can read. Please choose a JPEG, PNG or WebP image.",
            code="not_an_image",
        ) from error


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        "This photo has too many pixels to process safely. Please choose a smaller one "
        "(a phone photo is fine).",
        code="too_many_pixels",
    )


def _square(image: Image.Image) -> Image.Image:
    """Decoded, turned upright as the camera meant, flattened onto white, cropped to a
    centred square and scaled; a new image, which carries none of the source's metadata."""
    try:
        rgba = ImageOps.exif_transpose(image).convert("RGBA")
    except (OSError, ValueError, SyntaxError) as error:
        # The header was readable but the pixels are not (a truncated or damaged file).
        raise ValidationError(
            "This photo could not be read: the file may be damaged. Please choose another.",
            code="damaged",
        ) from error
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    fitted = ImageOps.fit(flat, (SIDE, SIDE), Image.Resampling.LANCZOS, centering=CENTRING)
    clean = Image.new("RGB", (SIDE, SIDE))
    clean.paste(fitted)
    return clean


def practitioner_photo_set(
    *, practitioner: Practitioner, photo: CleanPhoto, confirmed_by: "User", now: dt.datetime
) -> PractitionerPhoto:
    """Publish `photo` as the practitioner's, replacing any; `confirmed_by` is the member
    of staff who confirmed the practitioner agreed to it being published."""
    fields = {
        "image": photo.data,
        "content_type": photo.content_type,
        "digest": photo.digest,
        "consent_confirmed_by": confirmed_by,
        "consent_confirmed_at": now,
    }
    # The practitioner is the key: replacing their photo is the point, not a duplicate.
    PractitionerPhoto(practitioner=practitioner, **fields).full_clean(validate_unique=False)
    row, _ = PractitionerPhoto.objects.update_or_create(practitioner=practitioner, defaults=fields)
    return row


def practitioner_photo_remove(*, practitioner: Practitioner) -> None:
    """Take the photo down: the pages show the practitioner's initials again."""
    PractitionerPhoto.objects.filter(practitioner=practitioner).delete()
