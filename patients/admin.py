from typing import Any, override

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from clinic.access import staff_user
from patients import services
from patients.models import (
    ConsentDocument,
    ConsentSignature,
    Intake,
    IntakeReview,
    Patient,
    PatientAccessLog,
    ScreeningResult,
)
from patients.screening import ITEMS


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: visible, never changed or deleted."""

    @override
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
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
        # update() skips auto_now, so set updated_at here.
        count = queryset.update(is_archived=True, updated_at=timezone.now())
        self.message_user(request, f"Archived {count} patient record(s).")


class IntakeReviewInline(admin.TabularInline):
    model = IntakeReview
    extra = 0
    fields = readonly_fields = ("created_at", "reviewer", "outcome", "note")
    can_delete = False

    @override
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Intake)
class IntakeAdmin(ReadOnlyAdmin):
    """The patient writes intakes through their link and practitioners review them on the
    staff pages, so the admin only shows them (and logs who looked)."""

    list_display = ["patient", "status", "created_at", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    search_fields = ["patient__last_name", "patient__first_name", "patient__email"]
    list_select_related = ["patient"]
    inlines = [IntakeReviewInline]

    @override
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        intake = self.get_object(request, object_id)
        if intake is not None:
            services.access_log_record(
                user=staff_user(request), patient=intake.patient, intake=intake, record="intake"
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdmin):
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
class ConsentSignatureAdmin(ReadOnlyAdmin):
    list_display = ["patient", "typed_name", "document", "signed_at"]
    list_select_related = ["patient", "document"]
    search_fields = ["patient__last_name", "typed_name"]


@admin.register(IntakeReview)
class IntakeReviewAdmin(ReadOnlyAdmin):
    list_display = ["intake", "outcome", "reviewer", "created_at"]
    list_select_related = ["intake__patient", "reviewer"]


@admin.register(PatientAccessLog)
class PatientAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "user", "patient", "record"]
    list_filter = ["record"]
    list_select_related = ["user", "patient"]
    search_fields = ["patient__last_name", "user__username"]
