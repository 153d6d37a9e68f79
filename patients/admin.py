from operator import attrgetter
from typing import Any, override

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from clinic.admin_mixins import ReadOnlyAdmin
from clinic.forms import CleanTextModelForm
from patients import selectors, services
from patients.models import (
    AccessVia,
    BreakGlassAccess,
    ConsentDocument,
    ConsentSignature,
    Intake,
    IntakeReview,
    Patient,
    PatientAccessLog,
    ScreeningResult,
)
from patients.screening import ITEMS


def _follow(obj: Model, lookup: str) -> Any:  # noqa: ANN401  (whatever the lookup reaches)
    return obj if not lookup else attrgetter(lookup.replace("__", "."))(obj)


class AccessLoggedAdmin(admin.ModelAdmin):
    """Admin pages showing a patient's data log who looked (the access log): each change
    page and history page opened, each list page (a row per patient on it), and each
    search with its terms."""

    access_record = ""  # what the log calls a page of this model, e.g. "patient"
    # The lookups from a row to its patient and to its intake ("": the row itself; None:
    # no intake).
    patient_field = "patient"
    intake_field: str | None = None

    def patient_of(self, obj: Model) -> Patient | None:
        return _follow(obj, self.patient_field)

    def intake_of(self, obj: Model) -> Intake | None:
        return None if self.intake_field is None else _follow(obj, self.intake_field)

    def by_break_glass(self, _request: HttpRequest, _patient: Patient) -> bool:
        """Whether the user reads this patient's record only by break-glass (decision 0077)."""
        return False

    def _log_object(self, request: HttpRequest, object_id: str, record: str) -> None:
        obj = self.get_object(request, object_id)
        # A row may name no patient yet (a payment page a new visitor left): no one to log.
        if obj is not None and (patient := self.patient_of(obj)) is not None:
            services.access_log_record(
                user=request.user,
                patient=patient,
                intake=self.intake_of(obj),
                record=record,
                via=AccessVia.ADMIN,
                break_glass=self.by_break_glass(request, patient),
            )

    @override
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            self._log_object(request, object_id, self.access_record)
        return super().change_view(request, object_id, form_url, extra_context)

    @override
    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._log_object(request, object_id, f"{self.access_record} history")
        return super().history_view(request, object_id, extra_context)

    @override
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        terms = request.GET.get("q", "").strip()
        if terms and self.has_view_or_change_permission(request):
            services.access_log_record(
                user=request.user,
                patient=None,
                intake=None,
                record=f"{self.access_record} search",
                via=AccessVia.ADMIN,
                detail=terms,
            )
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            self._log_listed(request, response)
        return response

    def _log_listed(self, request: HttpRequest, response: HttpResponse) -> None:
        """One row per patient on the page shown: the list names them (and their details),
        so "who viewed this patient" must find it. The rows are those the page renders
        (read once, here), so this costs the insert, and a query for the patients when
        they are more than one relation away."""
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is None:
            return
        rows = list(changelist.result_list)
        field = self.patient_field
        if not field:
            patient_ids = [row.pk for row in rows]
        elif "__" not in field:
            patient_ids = [getattr(row, f"{field}_id") for row in rows]
        else:
            patient_ids = list(
                self.model._default_manager.filter(pk__in=[row.pk for row in rows]).values_list(
                    f"{field}__pk", flat=True
                )
            )
        services.access_log_record_listed(
            user=request.user, patient_ids=patient_ids, record=f"{self.access_record} list"
        )


class ClinicalScopeAdmin(AccessLoggedAdmin):
    """Clinical records: a practitioner sees those of the patients in their care, or opened
    by break-glass (unless the clinic lets every practitioner read all); another patient's
    record is 403."""

    @override
    def by_break_glass(self, request: HttpRequest, patient: Patient) -> bool:
        access = selectors.clinical_access(request.user, patient)
        return access is selectors.ClinicalAccess.BREAK_GLASS

    @override
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.in_clinical_scope(
            super().get_queryset(request), request.user, self.patient_field
        )

    @override
    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            try:
                exists = self.model._default_manager.filter(pk=object_id).exists()
            except (ValueError, ValidationError):
                exists = False
            if exists:
                raise PermissionDenied
        return obj


@admin.register(Patient)
class PatientAdmin(AccessLoggedAdmin, SimpleHistoryAdmin):
    form = CleanTextModelForm
    access_record = "patient"
    patient_field = ""
    list_display = ["last_name", "first_name", "email", "phone", "date_of_birth", "is_archived"]
    list_filter = ["is_archived"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering = ["last_name", "first_name"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["archive"]

    # Health records are kept for years: archive them instead.
    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.action(description="Archive selected patients")
    def archive(self, request: HttpRequest, queryset: QuerySet[Patient]) -> None:
        # One save each, so the change history records who archived which record.
        count = 0
        for patient in queryset.filter(is_archived=False):
            patient.is_archived = True
            patient.save(update_fields=["is_archived", "updated_at"])
            count += 1
        self.message_user(request, f"Archived {count} patient record(s).")


class IntakeReviewInline(ReadOnlyAdmin, admin.TabularInline):
    model = IntakeReview
    extra = 0
    fields = readonly_fields = ("created_at", "reviewer", "outcome", "note")
    may_change = True


@admin.register(Intake)
class IntakeAdmin(ReadOnlyAdmin, ClinicalScopeAdmin):
    """The patient writes intakes through their link and practitioners review them on the
    staff pages, so the admin only shows them (and logs who looked)."""

    access_record = "intake"
    intake_field = ""

    list_display = ["patient", "status", "created_at", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    search_fields = ["patient__last_name", "patient__first_name", "patient__email"]
    list_select_related = ["patient"]
    inlines = [IntakeReviewInline]


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdmin, ClinicalScopeAdmin):
    access_record = "screening"
    patient_field = "intake__patient"
    intake_field = "intake"
    list_display = ["intake", "outcome", "estim_allowed", "updated_at"]
    list_filter = ["outcome", "estim_allowed"]
    list_select_related = ["intake__patient"]
    fields = readonly_fields = (
        "intake",
        "outcome",
        "estim_allowed",
        "answer_list",
        "rules",
        "updated_at",
    )

    @admin.display(description="Answers")
    def answer_list(self, obj: ScreeningResult) -> SafeString:
        return format_html_join(
            "\n",
            "<div>{}: <strong>{}</strong></div>",
            (
                (item.question, "—" if answer is None else "Yes" if answer else "No")
                for item, answer in obj.answered_items()
            ),
        )

    @admin.display(description="The screening rules")
    def rules(self, _obj: ScreeningResult | None = None) -> SafeString:
        return screening_rules_html()


def screening_rules_html() -> SafeString:
    """patients.screening.ITEMS as a table, so the manager sees the rules the code applies."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                item.question,
                {
                    "absolute": "Hold until a practitioner clears it",
                    "relative": "Needs a practitioner's review",
                    "estim_only": "No effect on needling",
                }[item.severity],
                "Not allowed" if item.blocks_estim else "—",
            )
            for item in ITEMS
        ),
    )
    return format_html(
        "<table><thead><tr><th>Question</th><th>A “yes” means</th>"
        "<th>Electrical stimulation</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    """Saving, whether adding or editing, publishes a new version; the old text stays as
    it was, with the signatures made on it."""

    form = CleanTextModelForm
    list_display = ["version", "title", "is_active", "created_at"]
    fields = ["title", "body", "version", "is_active", "created_at"]
    readonly_fields = ["version", "is_active", "created_at"]

    @override
    def save_model(
        self, request: HttpRequest, obj: ConsentDocument, form: ModelForm[Any], change: bool
    ) -> None:
        services.consent_document_publish(document=obj)

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ConsentSignature)
class ConsentSignatureAdmin(ReadOnlyAdmin, ClinicalScopeAdmin):
    access_record = "consent signature"
    list_display = ["patient", "typed_name", "document", "signed_at"]
    list_select_related = ["patient", "document"]
    search_fields = ["patient__last_name", "typed_name"]


@admin.register(IntakeReview)
class IntakeReviewAdmin(ReadOnlyAdmin, ClinicalScopeAdmin):
    access_record = "intake review"
    patient_field = "intake__patient"
    intake_field = "intake"
    list_display = ["intake", "outcome", "reviewer", "created_at"]
    list_select_related = ["intake__patient", "reviewer"]


@admin.register(PatientAccessLog)
class PatientAccessLogAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Append-only: nobody changes or deletes an entry here, superusers included. The
    manager's page per patient, with its export, is at /staff/patients/<id>/access-log/."""

    list_display = ["viewed_at", "user", "via", "patient", "record", "break_glass", "detail"]
    list_filter = ["via", "break_glass", "record"]
    list_select_related = ["user", "patient"]
    search_fields = ["patient__last_name", "user__username", "detail"]
    actions = None


@admin.register(BreakGlassAccess)
class BreakGlassAccessAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The manager's review of every record opened without a care relationship: who,
    whose, why, until when. Written only by patients.clinical.access.break_glass_open;
    like the access log it belongs to, it is not itself logged."""

    list_display = ["opened_at", "user", "patient", "reason", "expires_at"]
    list_select_related = ["user", "patient"]
    search_fields = ["patient__last_name", "user__username", "reason"]
    date_hierarchy = "opened_at"
    actions = None
