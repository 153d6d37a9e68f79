"""The practitioner's photo on their admin page: a new one, with the box saying they
agreed to its publication, or none (decision 0071). Checking, cleaning and keeping it are
booking.services.photos'; here are the admin's form and its view of the photo now."""

import datetime as dt
from typing import TYPE_CHECKING, Any, override

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from booking.models import Practitioner, PractitionerPhoto
from booking.services.photos import (
    CleanPhoto,
    photo_clean,
    practitioner_photo_remove,
    practitioner_photo_set,
)
from clinic.forms import CleanTextModelForm

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User

# The fields of the page's "Photo" section, in their order: the photo now, then the inputs.
PHOTO_FIELDS = ["current_photo", "photo", "photo_consent", "remove_photo"]


class PractitionerForm(CleanTextModelForm):
    photo = forms.FileField(
        required=False,
        label="New photo",
        help_text="A JPEG, PNG or WebP photo up to 5 MB, at least 200 pixels wide and high. "
        "It is cropped to a square around its middle and published at 400 × 400 pixels; "
        "what the camera recorded with it (such as where it was taken) is removed.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    photo_consent = forms.BooleanField(
        required=False,
        label="The practitioner agreed to this photo being published on the clinic's website",
    )
    remove_photo = forms.BooleanField(
        required=False, label="Remove the photo (the pages show the initials instead)"
    )

    class Meta:
        model = Practitioner
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_photo: CleanPhoto | None = None

    @override
    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        upload = data.get("photo")
        if not upload:
            return data
        if data.get("remove_photo"):
            self.add_error("remove_photo", "Either choose a new photo or remove it, not both.")
        if not data.get("photo_consent"):
            self.add_error(
                "photo_consent",
                "Tick this box to publish the photo: only with the practitioner's agreement.",
            )
        try:
            self.new_photo = photo_clean(upload, size=upload.size)
        except ValidationError as error:
            self.add_error("photo", error)
        return data

    def save_photo(self, practitioner: Practitioner, *, by: "User", now: dt.datetime) -> None:
        if self.new_photo is not None:
            practitioner_photo_set(
                practitioner=practitioner, photo=self.new_photo, confirmed_by=by, now=now
            )
        elif self.cleaned_data.get("remove_photo"):
            practitioner_photo_remove(practitioner=practitioner)


def current_photo(practitioner: Practitioner) -> str:
    """The photo the pages show now, with who confirmed consent; or why there is none."""
    photo = (
        PractitionerPhoto.objects.filter(practitioner=practitioner.pk)
        .select_related("consent_confirmed_by")
        .defer("image")
        .first()
        if practitioner.pk
        else None
    )
    if photo is None:
        return "None: the pages show the practitioner's initials."
    photo.practitioner = practitioner
    confirmed = format_html(
        "Consent confirmed by {} on {}.",
        photo.consent_confirmed_by or "someone no longer on the staff",
        timezone.localtime(photo.consent_confirmed_at).strftime("%d %b %Y"),
    )
    if not practitioner.is_active:
        return format_html("Kept, but not shown while the practitioner is inactive. {}", confirmed)
    return format_html(
        '<img src="{}" width="128" height="128" alt="Photo of {}"><br>{}',
        photo.get_absolute_url(),
        practitioner.name,
        confirmed,
    )
