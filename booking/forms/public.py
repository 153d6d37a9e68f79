import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from phonenumber_field.formfields import PhoneNumberField

from booking.forms.widgets import QuickDateInput, QuickSelect
from booking.models import Practitioner, TimeOfDay
from booking.scheduling.availability import parse_start
from clinic.forms import CleanTextMixin
from patients.models import ContactMethod

ANY = "any"


class PractitionerChoiceField(forms.ChoiceField):
    """ "any" or the id of one of the practitioners offered; cleans to a Practitioner or None."""

    def __init__(self, *, practitioners: Iterable[Practitioner], **kwargs: Any) -> None:
        self.practitioners = {str(p.pk): p for p in practitioners}
        choices = [(ANY, "Any practitioner")] + [
            (pk, p.name) for pk, p in self.practitioners.items()
        ]
        super().__init__(choices=choices, initial=ANY, **kwargs)

    def clean(self, value: str | None) -> Practitioner | None:
        value = super().clean(value or ANY)
        return None if value == ANY else self.practitioners[value]


class DayForm(forms.Form):
    """The day whose free times are shown, and with whom."""

    date = forms.DateField(widget=QuickDateInput)

    def __init__(
        self,
        *args: Any,
        practitioners: Iterable[Practitioner],
        first_day: dt.date,
        last_day: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.first_day, self.last_day = first_day, last_day
        self.fields["practitioner"] = PractitionerChoiceField(
            practitioners=practitioners, required=False, label="With", widget=QuickSelect
        )
        self.fields["date"].widget.attrs.update(
            min=first_day.isoformat(), max=last_day.isoformat(), **{"class": "form-control"}
        )
        self.fields["practitioner"].widget.attrs["class"] = "form-select"
        self.order_fields(["practitioner", "date"])

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day < self.first_day:
            raise forms.ValidationError("That day has passed; please choose a later one.")
        if day > self.last_day:
            raise forms.ValidationError(
                f"Online booking is open until {self.last_day:%-d %B %Y}; "
                "please choose an earlier day."
            )
        return day


class MonthForm(forms.Form):
    """The month whose days with free times are shown, with whom, and the day opened."""

    month = forms.DateField(input_formats=["%Y-%m"], required=False)
    date = forms.DateField(required=False)

    def __init__(
        self,
        *args: Any,
        practitioners: Iterable[Practitioner],
        first_day: dt.date,
        last_day: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.first_day, self.last_day = first_day, last_day
        self.fields["practitioner"] = PractitionerChoiceField(
            practitioners=practitioners, required=False, label="With", widget=QuickSelect
        )
        self.fields["practitioner"].widget.attrs["class"] = "form-select"
        self.fields["month"].widget = forms.HiddenInput()
        self.fields["date"].widget = forms.HiddenInput()
        self.order_fields(["practitioner", "month", "date"])

    def clean_month(self) -> dt.date:
        month = self.cleaned_data["month"] or self.first_day.replace(day=1)
        if month < self.first_day.replace(day=1):
            raise forms.ValidationError("That month has passed; please choose a later one.")
        if month > self.last_day.replace(day=1):
            raise forms.ValidationError(
                f"Online booking is open until {self.last_day:%-d %B %Y}; "
                "please choose an earlier month."
            )
        return month

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, month = cleaned.get("date"), cleaned.get("month")
        if (
            day is not None
            and month is not None
            and (day.replace(day=1) != month or not self.first_day <= day <= self.last_day)
        ):
            self.add_error("date", "Please choose a day of this month that is open for booking.")
        return cleaned


class SlotForm(forms.Form):
    """The time a patient picked on the previous page, as posted back (never trusted)."""

    start = forms.CharField(max_length=20)

    def __init__(self, *args: Any, practitioners: Iterable[Practitioner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"] = PractitionerChoiceField(
            practitioners=practitioners, required=False
        )

    def clean_start(self) -> dt.datetime:
        start = parse_start(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError("That time could not be read; please pick one again.")
        return start


class PatientDetailsForm(CleanTextMixin, forms.Form):
    first_name = forms.CharField(max_length=100, label="First name")
    last_name = forms.CharField(max_length=100, label="Last name")
    email = forms.EmailField(max_length=254, help_text="Your confirmation is sent here.")
    phone = PhoneNumberField(help_text="So the clinic can reach you if plans change.")
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date_of_birth(self) -> dt.date:
        born = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born.year < self.today.year - 120:
            raise forms.ValidationError("Please check the year of birth.")
        return born

    def session_data(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": str(data["phone"]),
            "date_of_birth": data["date_of_birth"].isoformat(),
        }


class WaitlistRequestForm(PatientDetailsForm):
    """Asking to be told when a time comes free; the same details as a booking."""

    earliest_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    latest_date = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    time_of_day = forms.ChoiceField(choices=TimeOfDay.choices, initial=TimeOfDay.ANY)

    def __init__(self, *args: Any, last_day: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_day = last_day
        for name in ("earliest_date", "latest_date"):
            self.fields[name].widget.attrs.update(
                min=self.today.isoformat(), max=last_day.isoformat()
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("earliest_date"), data.get("latest_date")
        if first and first < self.today:
            self.add_error("earliest_date", "Please choose today or a later day.")
        if last and last > self.last_day:
            self.add_error("latest_date", f"Please choose a day until {self.last_day:%-d %B %Y}.")
        if first and last and last < first:
            self.add_error("latest_date", "The last day comes before the first.")
        return data


class SignInForm(CleanTextMixin, forms.Form):
    email = forms.EmailField(max_length=254, help_text="The address you gave when you booked.")


class ContactPreferenceForm(forms.Form):
    preferred_contact = forms.ChoiceField(
        label="How should we contact you?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        help_text="Texts go to your mobile number: reminders you can answer, links to "
        "change a time. You can stop them here at any time, or by replying STOP.",
    )
