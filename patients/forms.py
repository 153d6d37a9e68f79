import datetime as dt
import re
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet

from clinic.forms import CleanTextMixin, date_input
from patients.models import BodyRegion, ConsentDocument, Intake, Patient, ReviewOutcome
from patients.screening import ITEMS

YES_NO = [("yes", "Yes"), ("no", "No")]
SEARCH_LIMIT = 50
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]


def _score_field(label: str, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        required=required,
        widget=forms.NumberInput(attrs={"min": 0, "max": 10, "inputmode": "numeric"}),
    )


class DetailsForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "gp_details",
            "preferred_contact",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {"gp_details": "GP or physician (optional)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ["address", "emergency_contact_name", "emergency_contact_phone"]:
            self.fields[name].required = True


class QuestionnaireForm(CleanTextMixin, forms.ModelForm):
    pain_regions = forms.MultipleChoiceField(
        label="Where does it hurt? Tick every area.",
        choices=BodyRegion.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    pain_now = _score_field("Pain right now (0 = no pain, 10 = worst imaginable)")
    pain_best = _score_field("Pain at its best in the last week (0–10)")
    pain_worst = _score_field("Pain at its worst in the last week (0–10)")
    psfs_score_1 = _score_field("How well can you do it now? (0 = not at all, 10 = as before)")
    psfs_score_2 = _score_field("How well can you do it now? (0–10)", required=False)
    psfs_score_3 = _score_field("How well can you do it now? (0–10)", required=False)

    class Meta:
        model = Intake
        fields = [
            "complaint",
            "pain_regions",
            "pain_duration",
            "pain_now",
            "pain_best",
            "pain_worst",
            "aggravating",
            "easing",
            "psfs_activity_1",
            "psfs_score_1",
            "psfs_activity_2",
            "psfs_score_2",
            "psfs_activity_3",
            "psfs_score_3",
            "goals",
            "medical_history",
            "medications",
            "allergies",
        ]
        labels = {
            "complaint": "What is the main problem you would like help with?",
            "pain_duration": "How long have you had it?",
            "psfs_activity_1": "An activity you find hard because of it",
            "psfs_activity_2": "Another activity (optional)",
            "psfs_activity_3": "A third activity (optional)",
            "goals": "What would you like to get back to?",
            "medical_history": "Past and current medical conditions, injuries or operations",
            "medications": "Medicines you take (write “none” if none)",
            "allergies": "Allergies (write “none” if none)",
        }
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in [
                "complaint",
                "aggravating",
                "easing",
                "goals",
                "medical_history",
                "medications",
                "allergies",
            ]
        }

    REQUIRED = [
        "complaint",
        "pain_duration",
        "psfs_activity_1",
        "goals",
        "medical_history",
        "medications",
        "allergies",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED:
            self.fields[name].required = True
        self.fields["medical_history"].help_text = "Write “none” if you have none."

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for n in (2, 3):
            activity = cleaned.get(f"psfs_activity_{n}")
            score = cleaned.get(f"psfs_score_{n}")
            if activity and score is None and f"psfs_score_{n}" not in self.errors:
                self.add_error(f"psfs_score_{n}", "Give this activity a score from 0 to 10.")
            if score is not None and not activity:
                self.add_error(f"psfs_activity_{n}", "Name the activity you scored.")
        best, worst = cleaned.get("pain_best"), cleaned.get("pain_worst")
        if best is not None and worst is not None and best > worst:
            self.add_error("pain_best", "Pain at its best cannot be higher than at its worst.")
        return cleaned


class ScreeningForm(forms.Form):
    """One required yes/no question per item of patients.screening.ITEMS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in ITEMS:
            self.fields[item.code] = forms.TypedChoiceField(
                label=item.question,
                choices=YES_NO,
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": "Please answer yes or no."},
            )

    @staticmethod
    def initial_from(answers: dict[str, bool]) -> dict[str, str]:
        return {code: "yes" if value else "no" for code, value in answers.items()}


def _normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


class ConsentForm(CleanTextMixin, forms.Form):
    """The template posts the id of the version it showed in a hidden "document" input,
    rendered outside this form so a re-shown page always carries the current version."""

    agree = forms.BooleanField(
        label="I have read and understood this information and I agree to dry needling.",
        error_messages={"required": "Please tick the box to agree, or call us with questions."},
    )
    typed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args: Any, patient: Patient, shown: ConsentDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.shown = shown

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # The patient signs the exact text they were shown; if it changed meanwhile, they
        # read the new one first.
        if self.data.get("document") != str(self.shown.pk):
            raise forms.ValidationError(
                "The consent text has been updated since you opened this page. "
                "Please read it again below before signing."
            )
        cleaned["document"] = self.shown
        return cleaned

    def clean_typed_name(self) -> str:
        typed = self.cleaned_data["typed_name"]
        if _normalise_name(typed) != _normalise_name(self.patient.full_name):
            raise forms.ValidationError(
                "Please type your full name as it appears on your booking: "
                f"{self.patient.full_name}."
            )
        return typed.strip()


class ReviewForm(CleanTextMixin, forms.Form):
    outcome = forms.ChoiceField(choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why you cleared it, or what must happen before needling.",
    )


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


class PatientSearchForm(CleanTextMixin, forms.Form):
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


class PatientForm(CleanTextMixin, forms.ModelForm):
    """A new patient, taken over the phone. ModelForm validation runs full_clean."""

    class Meta:
        model = Patient
        fields = ["first_name", "last_name", "email", "phone", "date_of_birth"]
        widgets = {"date_of_birth": date_input()}

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date_of_birth(self) -> dt.date:
        born = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return born
