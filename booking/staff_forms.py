"""Forms for the front desk. Each cleans to what a booking service takes; the service
re-checks everything that depends on other bookings."""

import datetime as dt

import phonenumbers
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet

from booking import availability
from booking.models import Practitioner, Service, TimeOfDay, WaitlistEntry
from clinic.models import Location, Room
from patients.models import Patient

SEARCH_LIMIT = 50
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """One of the form's model choice fields, whose queryset is narrowed per instance."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _as_date(text: str) -> dt.date | None:
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


def _as_phone(text: str) -> str | None:
    """The E.164 form the record stores, if the text reads as a phone number."""
    if sum(ch.isdigit() for ch in text) < 6:
        return None
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, phone, email or date of birth", max_length=100, strip=True, required=False
    )

    def results(self) -> QuerySet[Patient]:
        """Patients matching every word: names and email contain it; a date of birth or a
        phone number (in any spelling) must match exactly."""
        text = self.cleaned_data.get("q", "") if self.is_valid() else ""
        if not text:
            return Patient.objects.none()
        found = Patient.objects.filter(is_archived=False)
        if (born := _as_date(text)) is not None:
            return found.filter(date_of_birth=born)[:SEARCH_LIMIT]
        if (phone := _as_phone(text)) is not None:
            return found.filter(phone=phone)[:SEARCH_LIMIT]
        for word in text.split():
            found = found.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return found[:SEARCH_LIMIT]


class PatientForm(forms.ModelForm):
    """A new patient, taken over the phone. ModelForm validation runs full_clean."""

    class Meta:
        model = Patient
        fields = ["first_name", "last_name", "email", "phone", "date_of_birth"]
        widgets = {"date_of_birth": _date_input()}

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date_of_birth(self) -> dt.date:
        born = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return born


class _StartFields(forms.Form):
    """A local date and time at the location, cleaned to an aware start."""

    date = forms.DateField(widget=_date_input())
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), required=False, empty_label="Any free room"
    )
    override_hours = forms.BooleanField(
        required=False,
        label="Book outside published hours",
        help_text="Recorded on the appointment. Never over another appointment or a taken room.",
    )

    def __init__(self, *args, location: Location, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = location
        _model_choice(self, "room").queryset = Room.objects.filter(
            location=location, is_active=True
        )

    def clean(self):
        data = super().clean()
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

    def __init__(self, *args, location: Location, **kwargs):
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

    def __init__(self, *args, location: Location, service: Service, **kwargs):
        super().__init__(*args, location=location, **kwargs)
        _model_choice(self, "practitioner").queryset = Practitioner.objects.bookable(
            service=service, location=location
        ).select_related("user")


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, strip=True)


class WaitlistForm(forms.ModelForm):
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
        widgets = {"earliest_date": _date_input(), "latest_date": _date_input()}

    def __init__(self, *args, today: dt.date, **kwargs):
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

    def clean(self):
        data = super().clean()
        first, last = data.get("earliest_date"), data.get("latest_date")
        if first and last:
            if last < first:
                raise forms.ValidationError("The last date must not be before the first.")
            if last < self.today:
                raise forms.ValidationError("Those dates have already passed.")
        return data
