"""Forms of the clinical pages: the re-check, the note with its needling log, amendments,
adverse events, scores, discharge; and the patient's pre-visit and check-in links."""

from decimal import Decimal
from typing import Any

from django import forms

from patients.models import (
    AdverseEvent,
    Episode,
    Instrument,
    NeedlingEntry,
    NeedlingPoint,
    Soreness,
    TreatmentNote,
)
from patients.models.access import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from patients.screening import ITEMS

YES_NO = [("no", "No"), ("yes", "Yes")]


class RecheckForm(forms.Form):
    """Since the last visit, is any screening item now true? One answer per item."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in ITEMS:
            self.fields[item.code] = forms.TypedChoiceField(
                label=item.question,
                choices=YES_NO,
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                initial="no",
                error_messages={"required": "Please answer yes or no."},
            )

    def answers(self) -> dict[str, bool]:
        return {item.code: bool(self.cleaned_data[item.code]) for item in ITEMS}


class PreVisitForm(RecheckForm):
    pain_now = forms.TypedChoiceField(
        label="Your pain right now, from 0 (no pain) to 10 (the worst imaginable)",
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )


class ClearanceForm(forms.Form):
    reason = forms.CharField(
        label="Why needling is safe at this visit", widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.ModelForm):
    class Meta:
        model = TreatmentNote
        fields = ["subjective", "objective", "assessment", "plan", "aftercare_given"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}


class NeedlingForm(forms.ModelForm):
    class Meta:
        model = NeedlingEntry
        fields = [
            "point",
            "side",
            "needle_count",
            "needle_length_mm",
            "needle_gauge_mm",
            "technique",
            "twitch_response",
            "estim_frequency_hz",
            "estim_intensity_ma",
            "estim_minutes",
            "lot_number",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = NeedlingPoint.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        estim = [
            cleaned.get(n) for n in ("estim_frequency_hz", "estim_intensity_ma", "estim_minutes")
        ]
        if any(v is not None for v in estim) and not all(v is not None for v in estim):
            raise forms.ValidationError(
                "Electrical stimulation needs its frequency, intensity and minutes, or none."
            )
        return cleaned


NeedlingFormSet = forms.formset_factory(NeedlingForm, extra=3, max_num=30, validate_max=True)


def needling_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The filled-in rows of a valid needling formset, as NeedlingEntry fields."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class AmendmentForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Reason for the amendment")
    text = forms.CharField(
        label="Correction or addition", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class AdverseEventForm(forms.ModelForm):
    class Meta:
        model = AdverseEvent
        fields = ["type", "severity", "occurred_at", "description", "action_taken", "follow_up_due"]
        widgets = {
            "severity": forms.RadioSelect,
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "follow_up_due": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
            "action_taken": forms.Textarea(attrs={"rows": 2}),
        }


class CloseEventForm(forms.Form):
    review_note = forms.CharField(
        label="Review note (say so if the entry was made in error)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScoreForm(forms.Form):
    instrument = forms.ModelChoiceField(queryset=Instrument.objects.filter(is_active=True))
    label = forms.CharField(
        required=False,
        max_length=200,
        label="Activity, or joint and movement (PSFS, range of motion)",
    )
    value = forms.DecimalField(max_digits=6, decimal_places=1)


class DischargeForm(forms.ModelForm):
    class Meta:
        model = Episode
        fields = ["discharge_advice"]
        widgets = {"discharge_advice": forms.Textarea(attrs={"rows": 4})}


class LotSearchForm(forms.Form):
    lot = forms.CharField(max_length=40, label="Needle lot number")


class CheckInForm(forms.Form):
    soreness = forms.ChoiceField(
        label="How sore are you since your session?",
        choices=Soreness.choices,
        widget=forms.RadioSelect,
    )
    bruising_spreading = forms.BooleanField(
        required=False, label="I have bruising that is spreading"
    )
    fainted = forms.BooleanField(required=False, label="I fainted or nearly fainted")
    breathless_or_chest_pain = forms.BooleanField(
        required=False, label="I have been breathless or had chest pain"
    )
    pain_now = forms.TypedChoiceField(
        label="Your pain right now, from 0 (no pain) to 10 (the worst imaginable)",
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Anything else you want us to know",
    )


class BreakGlassForm(forms.Form):
    """Why a practitioner opens a record they have no care relationship with."""

    reason = forms.CharField(
        label="Why do you need this record?",
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The clinic manager is told, and the reason shows in the record's access log.",
    )


# Words at each end of a scale, for the measures the clinic ships (decision 0112); any
# other instrument shows its range with "best" and "worst" from its direction.
ANCHORS = {
    "nprs": ("no pain", "the worst pain imaginable"),
    "psfs": ("unable to do it", "able to do it as well as before the problem"),
}


def _number(value: Decimal) -> str:
    """10.0 as "10", 2.5 as "2.5"."""
    return f"{value:f}".removesuffix(".0")


def _anchors(measure: Instrument) -> tuple[str, str]:
    if measure.code in ANCHORS:
        return ANCHORS[measure.code]
    if measure.direction == "lower_better":
        return "best", "worst"
    return "worst", "best"


class FollowUpForm(forms.Form):
    """One field per question of a follow-up survey (patients.clinical.surveys), in the
    order asked; a 0-to-10 scale as 11 choices, any other range as a number."""

    def __init__(self, *args: Any, questions: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for index, question in enumerate(questions):
            measure = question.instrument
            low_word, high_word = _anchors(measure)
            low, high = measure.min_value, measure.max_value
            about = f" “{question.label}”" if question.label else ""
            label = (
                f"{measure.name}{about}: from {_number(low)} ({low_word}) "
                f"to {_number(high)} ({high_word})"
            )
            if low == low.to_integral() and high == high.to_integral() and high - low <= 10:
                self.fields[f"q{index}"] = forms.TypedChoiceField(
                    label=label,
                    choices=[(str(n), str(n)) for n in range(int(low), int(high) + 1)],
                    coerce=Decimal,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[f"q{index}"] = forms.DecimalField(
                    label=label, min_value=low, max_value=high, decimal_places=1
                )

    def answers(self) -> dict[tuple[int, str], Decimal]:
        return {
            (question.instrument.pk, question.label): self.cleaned_data[f"q{index}"]
            for index, question in enumerate(self.questions)
        }
