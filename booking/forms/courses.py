"""Forms for booking a course: the plan the engine proposes from, and the sessions as the
person booking settles them. The course service re-checks everything."""

import datetime as dt
from collections.abc import Mapping
from typing import Any, override

from django import forms
from django.db.models import QuerySet

from booking.models import Practitioner, Service
from booking.scheduling import availability
from booking.scheduling.courses import MAX_SESSIONS, CoursePlan, first_weekday_on_or_after
from clinic.forms import date_input
from clinic.models import Location

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class CoursePlanForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), required=False, empty_label="Any practitioner"
    )
    sessions = forms.IntegerField(min_value=1, max_value=MAX_SESSIONS, initial=6)
    every_days = forms.IntegerField(
        min_value=1, max_value=28, initial=7, label="Every", help_text="days (7 is weekly)"
    )
    from_date = forms.DateField(widget=date_input(), label="Starting from")
    weekday = forms.TypedChoiceField(
        choices=[("", "Any day"), *WEEKDAYS],
        coerce=int,
        empty_value=None,
        required=False,
        label="Preferred day",
        help_text="The first session falls on the first such day from the date above.",
    )
    time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Preferred time"
    )

    def __init__(
        self,
        *args: Any,
        location: Location,
        today: dt.date,
        min_gap: dt.timedelta,
        services: QuerySet[Service] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today, self.min_gap = today, min_gap
        _model_choice(self, "service").queryset = (
            services
            or Service.objects.filter(
                is_active=True, practitioners__locations=location, practitioners__is_active=True
            ).distinct()
        )
        _model_choice(self, "practitioner").queryset = Practitioner.objects.filter(
            is_active=True, locations=location
        ).select_related("user")

    def clean_from_date(self) -> dt.date:
        day = self.cleaned_data["from_date"]
        if day < self.today:
            raise forms.ValidationError("That date has already passed.")
        return day

    def plan(self) -> CoursePlan:
        data = self.cleaned_data
        first = data["from_date"]
        if data.get("weekday") is not None:
            first = first_weekday_on_or_after(first, data["weekday"])
        return CoursePlan(
            sessions=data["sessions"],
            first_day=first,
            every_days=data["every_days"],
            preferred_time=data["time"],
            min_gap=self.min_gap,
        )


class SessionForm(forms.Form):
    """One session of the course: a local date and time, and a practitioner or any."""

    date = forms.DateField(widget=date_input())
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), required=False, empty_label="Any practitioner"
    )

    def __init__(self, *args: Any, location: Location, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        _model_choice(self, "practitioner").queryset = Practitioner.objects.bookable(
            service=service, location=location
        ).select_related("user")

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


class _BaseSessionFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, location: Location, service: Service, **kwargs: Any) -> None:
        self.location, self.service = location, service
        super().__init__(*args, **kwargs)

    @override
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"location": self.location, "service": self.service}


_SessionFormSet = forms.formset_factory(
    SessionForm,
    formset=_BaseSessionFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_SESSIONS,
    validate_min=True,
    validate_max=True,
)


def session_formset(
    data: Mapping[str, Any] | None, *, initial: list[dict], location: Location, service: Service
) -> _BaseSessionFormSet:
    formset = _SessionFormSet(data, initial=initial, location=location, service=service)  # type: ignore[call-arg]
    assert isinstance(formset, _BaseSessionFormSet)
    return formset
