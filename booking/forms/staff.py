"""Forms for the front desk. Each cleans to what a booking service takes; the service
re-checks everything that depends on other bookings."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from booking.models import Practitioner, Service, TimeOfDay, WaitlistEntry
from booking.scheduling import availability
from clinic.forms import CleanTextMixin, date_input
from clinic.models import Location, Room


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """One of the form's model choice fields, whose queryset is narrowed per instance."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


# Staff book and move sessions at most this far from today, back or ahead.
BOOKING_YEARS = 5


class _StartFields(CleanTextMixin, forms.Form):
    """A local date and time at the location, cleaned to an aware start."""

    date = forms.DateField(widget=date_input())
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, empty_label="Any free room"
    )
    override_hours = forms.BooleanField(
        required=False,
        label="Book outside published hours",
        help_text="Recorded on the appointment. Never over another appointment or a taken room.",
    )

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        _model_choice(self, "room").queryset = Room.objects.filter(
            location=location, is_active=True
        )

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        today = timezone.localdate(timezone=self.location.zone)
        if abs(day - today) > dt.timedelta(days=365 * BOOKING_YEARS):
            raise forms.ValidationError(
                f"Please pick a date within {BOOKING_YEARS} years of today."
            )
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("date") and data.get("time"):
            start = availability.local_instant(data["date"], data["time"], self.location.zone)
            if start is None:
                raise forms.ValidationError(
                    "That time does not exist on that day (the clocks go forward)."
                )
            data["start"] = start
        return data


class StaffBookingForm(_StartFields):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), required=False, empty_label="Any practitioner"
    )
    field_order = ["service", "practitioner", "date", "time", "room", "override_hours"]

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, location=location, **kwargs)
        _model_choice(self, "service").queryset = Service.objects.filter(
            is_active=True, practitioners__locations=location, practitioners__is_active=True
        ).distinct()
        _model_choice(self, "practitioner").queryset = Practitioner.objects.filter(
            is_active=True, locations=location
        ).select_related("user")


class RescheduleForm(_StartFields):
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), required=False, empty_label="Keep the same"
    )
    field_order = ["date", "time", "practitioner", "room", "override_hours"]

    def __init__(self, *args: Any, location: Location, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, location=location, **kwargs)
        _model_choice(self, "practitioner").queryset = Practitioner.objects.bookable(
            service=service, location=location
        ).select_related("user")


class CancelForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(max_length=200, strip=True)


class WaitlistForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = WaitlistEntry
        fields = [
            "service",
            "location",
            "practitioner",
            "earliest_date",
            "latest_date",
            "time_of_day",
            "note",
        ]
        widgets = {"earliest_date": date_input(), "latest_date": date_input()}

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        _model_choice(self, "service").queryset = Service.objects.filter(is_active=True)
        location = _model_choice(self, "location")
        location.queryset = Location.objects.filter(is_active=True)
        location.empty_label = "Any location"
        practitioner = _model_choice(self, "practitioner")
        practitioner.queryset = Practitioner.objects.filter(is_active=True).select_related("user")
        practitioner.empty_label = "Any practitioner"
        self.fields["time_of_day"].initial = TimeOfDay.ANY

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("earliest_date"), data.get("latest_date")
        if first and last:
            if last < first:
                raise forms.ValidationError("The last date must not be before the first.")
            if last < self.today:
                raise forms.ValidationError("Those dates have already passed.")
        return data
