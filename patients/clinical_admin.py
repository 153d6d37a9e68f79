"""Admin of the clinical records (imported at the end of patients/admin.py).

Signed notes are read-only here as everywhere (the database refuses changes anyway);
corrections are added as amendments beneath them. Instruments, the needling points and
the aftercare advice are the clinic's data to edit. Nothing is deleted. Clinical records
follow the clinic's one access rule and log every record opened, through
ClinicalScopeAdmin (patients/admin.py).
"""

from typing import override

from django.contrib import admin
from django.db.models import Model
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest
from django.utils import timezone

from clinic.access import staff_user
from clinic.admin_mixins import ReadOnlyAdmin
from patients.admin import ClinicalScopeAdmin
from patients.models import (
    AdverseEvent,
    AftercareAdvice,
    CheckIn,
    Episode,
    FollowUpInterval,
    FollowUpSurvey,
    Instrument,
    NeedlingEntry,
    NeedlingPoint,
    NoteAmendment,
    OutcomeScore,
    TreatmentNote,
    Visit,
)


class NoDeleteAdmin(admin.ModelAdmin):
    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class RecordAdmin(NoDeleteAdmin, ClinicalScopeAdmin):
    """A clinical record: in the reader's scope, each opening logged, never deleted."""


class ReadOnlyRecordAdmin(ReadOnlyAdmin, RecordAdmin):
    """A clinical record the admin only shows (it is written elsewhere)."""


@admin.register(Instrument)
class InstrumentAdmin(NoDeleteAdmin):
    """Licensed instruments (NDI, ODI, QuickDASH...) are added here by a clinic that holds
    the licence; scores keep the version they were recorded with."""

    list_display = [
        "name",
        "version",
        "direction",
        "min_value",
        "max_value",
        "mcid_points",
        "mcid_percent",
        "is_active",
    ]
    list_filter = ["is_active"]


@admin.register(FollowUpInterval)
class FollowUpIntervalAdmin(admin.ModelAdmin):
    """When follow-up surveys go after discharge (decision 0112): an episode discharged
    from now on gets one survey per active row; those planned already keep their dates."""

    list_display = ["label", "days_after_discharge", "is_active"]
    list_editable = ["is_active"]


@admin.register(NeedlingPoint)
class NeedlingPointAdmin(NoDeleteAdmin):
    list_display = ["name", "region", "near_thorax", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["name"]


@admin.register(AftercareAdvice)
class AftercareAdviceAdmin(NoDeleteAdmin):
    list_display = ["__str__", "updated_at"]


@admin.register(Episode)
class EpisodeAdmin(RecordAdmin):
    list_display = ["patient", "complaint", "started_on", "status", "discharged_on"]
    list_filter = ["status"]
    list_select_related = ["patient"]
    search_fields = ["patient__last_name", "patient__first_name", "complaint"]
    raw_id_fields = ["patient", "intake"]
    filter_horizontal = ["practitioners"]
    access_record = "episode"


class NeedlingInline(admin.TabularInline):
    model = NeedlingEntry
    extra = 0
    can_delete = False

    @override
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return isinstance(obj, TreatmentNote) and not obj.is_signed

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return isinstance(obj, TreatmentNote) and not obj.is_signed


class AmendmentInline(admin.StackedInline):
    """Amendments are added, never changed: only a signed note takes them."""

    model = NoteAmendment
    extra = 0
    can_delete = False
    fields = ["reason", "text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]

    @override
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return isinstance(obj, TreatmentNote) and obj.is_signed

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(TreatmentNote)
class TreatmentNoteAdmin(RecordAdmin):
    list_display = ["visit", "author", "signed_at"]
    list_select_related = ["visit__appointment__patient", "author"]
    search_fields = ["visit__appointment__patient__last_name", "visit__appointment__reference"]
    inlines = [NeedlingInline, AmendmentInline]
    access_record = "treatment note"
    patient_field = "visit__appointment__patient"
    readonly_fields = ["visit", "author", "signed_at", "signed_by"]

    @override
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # notes start from their visit's staff page

    @override
    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str] | tuple[str, ...]:
        if isinstance(obj, TreatmentNote) and obj.is_signed:
            # Every field: the form saves nothing, only the amendments below are added.
            return [f.name for f in self.model._meta.fields]
        return list(self.readonly_fields)

    @override
    def save_model(
        self, request: HttpRequest, obj: TreatmentNote, form: ModelForm, change: bool
    ) -> None:
        if obj.pk and TreatmentNote.objects.filter(pk=obj.pk, signed_at__isnull=False).exists():
            return  # signed: nothing of the note itself is saved
        super().save_model(request, obj, form, change)

    @override
    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        for instance in formset.save(commit=False):
            if isinstance(instance, NoteAmendment):
                if instance.pk is None:
                    instance.author = staff_user(request)
                    instance.created_at = timezone.now()
                    instance.save()
            else:
                instance.save()
        formset.save_m2m()


@admin.register(Visit)
class VisitAdmin(ReadOnlyRecordAdmin):
    list_display = ["appointment", "episode", "recheck_at", "cleared_at"]
    list_select_related = ["appointment", "episode"]
    access_record = "visit"
    patient_field = "episode__patient"


@admin.register(AdverseEvent)
class AdverseEventAdmin(ReadOnlyRecordAdmin):
    list_display = ["occurred_at", "type", "severity", "source", "closed_at"]
    list_filter = ["severity", "type", "source"]
    access_record = "adverse event"
    patient_field = "episode__patient"


@admin.register(OutcomeScore)
class OutcomeScoreAdmin(ReadOnlyRecordAdmin):
    list_display = ["episode", "instrument", "label", "value", "recorded_at", "source"]
    list_select_related = ["episode", "instrument"]
    access_record = "outcome score"
    patient_field = "episode__patient"


@admin.register(FollowUpSurvey)
class FollowUpSurveyAdmin(ReadOnlyRecordAdmin):
    """Planned, sent and answered follow-up surveys (decision 0112); the answers are the
    episode's outcome scores."""

    list_display = ["episode", "label", "due_at", "state", "sent_at", "answered_at"]
    list_filter = ["state", "label"]
    list_select_related = ["episode"]
    access_record = "follow-up survey"
    patient_field = "episode__patient"


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyRecordAdmin):
    list_display = ["visit", "soreness", "pain_now", "answered_at"]
    access_record = "check-in"
    patient_field = "visit__episode__patient"
