"""A photo for one demo practitioner, drawn here rather than downloaded (no real person's
face), so the demo clinic shows a photo beside the others' initials."""

import datetime as dt
import io
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from booking.models import Practitioner, PractitionerPhoto
from booking.services.photos import photo_clean, practitioner_photo_set

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User


def demo_portrait() -> bytes:
    """A head and shoulders in the clinic's colours, as a PNG, 600 pixels square."""
    image = Image.new("RGB", (600, 600), "#d8ecec")
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 350, 500, 750), fill="#0b5f63")  # shoulders
    draw.ellipse((205, 120, 395, 350), fill="#e7b98f")  # head
    draw.chord((195, 100, 405, 300), start=170, end=370, fill="#3b2a20")  # hair
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def add_demo_photo(practitioner: Practitioner, *, confirmed_by: "User", now: dt.datetime) -> None:
    """Through the same cleaning as an upload; once only, so a photo staff have put in its
    place is kept."""
    if PractitionerPhoto.objects.filter(practitioner=practitioner).exists():
        return
    png = demo_portrait()
    photo = photo_clean(io.BytesIO(png), size=len(png))
    practitioner_photo_set(
        practitioner=practitioner, photo=photo, confirmed_by=confirmed_by, now=now
    )
