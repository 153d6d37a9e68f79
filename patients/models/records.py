from typing import Any, NoReturn, override

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from patients.screening import ITEMS, Item, Outcome


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"


class Patient(models.Model):
    """A person the clinic treats. Records are kept for years: never deleted, only archived."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = PhoneNumberField()
    date_of_birth = models.DateField()
    # Collected with the intake forms; a booking alone leaves them empty.
    address = models.TextField(max_length=500, blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = PhoneNumberField(blank=True)
    gp_details = models.CharField(
        "GP or physician",
        max_length=300,
        blank=True,
        help_text="Name and practice, if the patient has one.",
    )
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.EMAIL
    )
    is_archived = models.BooleanField(
        default=False, help_text="Archived records are kept but hidden from day-to-day lists."
    )
    # When the patient last entered the portal: a sign-in link works once (booking.links).
    portal_sign_in_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who changed what, when, from what to what (django-simple-history; decision 0045).
    history = HistoricalRecords(excluded_fields=["portal_sign_in_at", "updated_at"])

    class Meta:
        ordering = ["last_name", "first_name"]
        permissions = [
            # Without it a practitioner reads only their own patients' clinical records.
            ("view_all_clinical", "Can read every patient's clinical record"),
            # The patient's copy of everything held about them (patients.export).
            ("export_patient", "Can export a patient's complete record"),
        ]
        indexes = [
            models.Index(Lower("email"), "date_of_birth", name="patient_email_dob_idx"),
            models.Index(Lower("last_name"), Lower("first_name"), name="patient_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class IntakeStatus(models.TextChoices):
    MISSING = "missing", "Intake missing"
    NEEDS_REVIEW = "needs_review", "Needs review"
    HOLD = "hold", "Hold"
    CLEARED = "cleared", "Cleared"


class PainDuration(models.TextChoices):
    UNDER_6_WEEKS = "lt6w", "Less than 6 weeks"
    UNDER_3_MONTHS = "6w3m", "6 weeks to 3 months"
    UNDER_1_YEAR = "3m1y", "3 to 12 months"
    OVER_1_YEAR = "gt1y", "More than a year"


class BodyRegion(models.TextChoices):
    HEAD_JAW = "head_jaw", "Head or jaw"
    NECK = "neck", "Neck"
    UPPER_BACK = "upper_back", "Upper back"
    LOWER_BACK = "lower_back", "Lower back"
    CHEST_ABDOMEN = "chest_abdomen", "Chest or abdomen"
    SHOULDER_L = "shoulder_l", "Left shoulder"
    SHOULDER_R = "shoulder_r", "Right shoulder"
    ARM_L = "arm_l", "Left arm or elbow"
    ARM_R = "arm_r", "Right arm or elbow"
    HAND_L = "hand_l", "Left wrist or hand"
    HAND_R = "hand_r", "Right wrist or hand"
    HIP_L = "hip_l", "Left hip or buttock"
    HIP_R = "hip_r", "Right hip or buttock"
    THIGH_L = "thigh_l", "Left thigh"
    THIGH_R = "thigh_r", "Right thigh"
    KNEE_L = "knee_l", "Left knee"
    KNEE_R = "knee_r", "Right knee"
    CALF_L = "calf_l", "Left lower leg or calf"
    CALF_R = "calf_r", "Right lower leg or calf"
    FOOT_L = "foot_l", "Left ankle or foot"
    FOOT_R = "foot_r", "Right ankle or foot"


def _score(verbose_name: str, **kwargs: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, null=True, blank=True, validators=[MaxValueValidator(10)], **kwargs
    )


SCORE_FIELDS = [
    "pain_now",
    "pain_best",
    "pain_worst",
    "psfs_score_1",
    "psfs_score_2",
    "psfs_score_3",
]


class Intake(models.Model):
    """One episode of care: the questionnaire, the safety screening and the signed consent.

    The patient fills it in step by step through their private link; each step is saved
    as it is submitted. Signing the consent submits it, after which only a practitioner's
    review changes its status. NPRS and PSFS scores here are the episode's baseline.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    status = models.CharField(
        max_length=20, choices=IntakeStatus.choices, default=IntakeStatus.MISSING
    )
    details_saved_at = models.DateTimeField(null=True, blank=True)
    questionnaire_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a practitioner last reviewed it."
    )

    complaint = models.TextField("Main complaint", max_length=2000, blank=True)
    pain_regions = models.JSONField("Where it hurts", default=list, blank=True)
    pain_duration = models.CharField(
        "How long", max_length=4, choices=PainDuration.choices, blank=True
    )
    pain_now = _score("Pain now (NPRS 0–10)")
    pain_best = _score("Pain at best (NPRS 0–10)")
    pain_worst = _score("Pain at worst (NPRS 0–10)")
    aggravating = models.TextField("What makes it worse", max_length=1000, blank=True)
    easing = models.TextField("What makes it better", max_length=1000, blank=True)
    psfs_activity_1 = models.CharField("Activity 1", max_length=200, blank=True)
    psfs_score_1 = _score("Activity 1 score (PSFS 0–10)")
    psfs_activity_2 = models.CharField("Activity 2", max_length=200, blank=True)
    psfs_score_2 = _score("Activity 2 score (PSFS 0–10)")
    psfs_activity_3 = models.CharField("Activity 3", max_length=200, blank=True)
    psfs_score_3 = _score("Activity 3 score (PSFS 0–10)")
    goals = models.TextField(max_length=2000, blank=True)
    medical_history = models.TextField(max_length=4000, blank=True)
    medications = models.TextField(max_length=2000, blank=True)
    allergies = models.TextField(max_length=1000, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("view_clinical", "Can read intake answers and screening"),
            ("review_intake", "Can clear or hold a screened intake"),
        ]
        indexes = [models.Index(fields=["patient", "submitted_at"], name="intake_patient_idx")]
        constraints = [
            # Opening the link twice must not start two drafts.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(submitted_at__isnull=True),
                name="intake_one_draft_per_patient",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__lte": 10}), name=f"intake_{name}_0_10"
                )
                for name in SCORE_FIELDS
            ),
            # Only a submitted intake has a status other than "missing".
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=False) | Q(status=IntakeStatus.MISSING),
                name="intake_status_needs_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.pk} for {self.patient}"

    @property
    def psfs(self) -> list[tuple[str, int | None]]:
        pairs = [
            (self.psfs_activity_1, self.psfs_score_1),
            (self.psfs_activity_2, self.psfs_score_2),
            (self.psfs_activity_3, self.psfs_score_3),
        ]
        return [(activity, score) for activity, score in pairs if activity]

    def get_pain_regions_display(self) -> list[str]:
        labels = dict(BodyRegion.choices)
        return [labels.get(code, code) for code in self.pain_regions]


class ScreeningResult(models.Model):
    """The patient's yes/no answers to patients.screening.ITEMS and the computed outcome."""

    intake = models.OneToOneField(Intake, on_delete=models.PROTECT, related_name="screening")
    answers = models.JSONField(help_text="Item code → yes (true) or no (false).")
    outcome = models.CharField(
        max_length=20,
        choices=[(o.value, IntakeStatus(o.value).label) for o in Outcome],
        help_text="Computed from the answers, never typed.",
    )
    estim_allowed = models.BooleanField("Electrical stimulation allowed")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Screening for {self.intake}"

    def answered_items(self) -> list[tuple[Item, bool | None]]:
        return [(item, self.answers.get(item.code)) for item in ITEMS]


class ReviewOutcome(models.TextChoices):
    CLEARED = "cleared", "Cleared for needling"
    HOLD = "hold", "Keep on hold"


class IntakeReview(models.Model):
    """A practitioner's decision on a screened intake. Kept as history, never edited."""

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=ReviewOutcome.choices)
    note = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.reviewer}"


class ConsentDocument(models.Model):
    """One version of the informed-consent text. Versions are never changed or deleted:
    editing in the admin inserts a new version and makes it the active one."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    is_active = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="consent_document_one_active",
                violation_error_message="Only one consent document can be active.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class ConsentSignature(models.Model):
    """A patient's signature on one exact version of the consent text. Never edited."""

    intake = models.OneToOneField(Intake, on_delete=models.PROTECT, related_name="consent")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(
        ConsentDocument, on_delete=models.PROTECT, related_name="signatures"
    )
    typed_name = models.CharField("Signature (typed full name)", max_length=200)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.typed_name}, {self.document}"


class AccessVia(models.TextChoices):
    STAFF = "staff", "Staff pages"
    ADMIN = "admin", "Admin"
    PORTAL = "portal", "Patient portal"
    API = "api", "JSON API (the key is in the detail)"


class AccessLogAppendOnly(Exception):
    """The access log is never changed or deleted."""


class PatientAccessLog(models.Model):
    """Who viewed which patient's clinical or contact data, where and when; a search is
    logged with its terms (and no patient). Append-only: this model refuses updates and
    deletes, and on PostgreSQL a trigger refuses them in the database too."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the patient themselves, in the portal.",
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="access_log"
    )
    intake = models.ForeignKey(
        Intake, on_delete=models.PROTECT, null=True, blank=True, related_name="access_log"
    )
    record = models.CharField(max_length=50, help_text="What was viewed, e.g. intake.")
    via = models.CharField(max_length=10, choices=AccessVia.choices, default=AccessVia.STAFF)
    detail = models.CharField(
        max_length=200, blank=True, help_text="The search terms, or which record."
    )
    break_glass = models.BooleanField(
        default=False,
        help_text="Read without a care relationship, on a reason given (break-glass).",
    )
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at"]
        indexes = [models.Index(fields=["patient", "viewed_at"], name="access_log_patient_idx")]

    def __str__(self) -> str:
        return f"{self.user} viewed {self.record} of {self.patient}"

    @override
    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AccessLogAppendOnly("The access log is append-only.")
        super().save(*args, **kwargs)

    @override
    def delete(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise AccessLogAppendOnly("The access log is append-only.")
