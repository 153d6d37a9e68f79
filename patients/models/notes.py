"""Treatment notes with their structured needling log, and amendments to signed notes.

A signed note and its needling rows never change: the service refuses, the admin shows
them read-only, and the database itself refuses (triggers in migration 0006). A
correction is a NoteAmendment, itself never changed.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from patients.models.episodes import Visit


class PointRegion(models.TextChoices):
    HEAD_NECK = "head_neck", "Head and neck"
    SHOULDER = "shoulder", "Shoulder"
    UPPER_BACK = "upper_back", "Upper back"
    LOWER_BACK = "lower_back", "Lower back"
    ARM = "arm", "Arm, wrist and hand"
    HIP = "hip", "Hip and buttock"
    THIGH = "thigh", "Thigh"
    LEG = "leg", "Lower leg and foot"


class NeedlingPoint(models.Model):
    """The controlled list of muscles and points (seeded by migration, edited in the
    admin). Retired points stay for the notes that name them."""

    name = models.CharField(max_length=100, unique=True)
    region = models.CharField(max_length=20, choices=PointRegion.choices)
    near_thorax = models.BooleanField(
        default=False, help_text="Needling here carries the pneumothorax risk."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region", "name"]

    def __str__(self) -> str:
        return self.name


class TreatmentNote(models.Model):
    """One session's note: a draft until signed, then never changed."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="note")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subjective = models.TextField(max_length=4000, blank=True)
    objective = models.TextField(max_length=4000, blank=True)
    assessment = models.TextField(max_length=4000, blank=True)
    plan = models.TextField(max_length=4000, blank=True)
    aftercare_given = models.TextField("Aftercare advice given", max_length=2000, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="note_signed_by_iff_signed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Note for visit {self.visit_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NeedleSide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both sides"
    MIDLINE = "midline", "Midline"


class Technique(models.TextChoices):
    STATIC = "static", "Static (needle left in place)"
    PISTONING = "pistoning", "Fast-in fast-out (pistoning)"
    ROTATION = "rotation", "Rotation"
    SUPERFICIAL = "superficial", "Superficial"


class NeedlingEntry(models.Model):
    """One row of the needling log: where, how many, which needles (with the pack's lot
    number, so a recalled batch can be traced), how, and any electrical stimulation."""

    note = models.ForeignKey(TreatmentNote, on_delete=models.PROTECT, related_name="needling")
    point = models.ForeignKey(NeedlingPoint, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=10, choices=NeedleSide.choices)
    needle_count = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    needle_length_mm = models.PositiveSmallIntegerField(
        "Needle length (mm)", validators=[MinValueValidator(10), MaxValueValidator(125)]
    )
    needle_gauge_mm = models.DecimalField(
        "Needle gauge (mm)",
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(0.12), MaxValueValidator(0.40)],
    )
    technique = models.CharField(max_length=12, choices=Technique.choices)
    twitch_response = models.BooleanField("Local twitch response", default=False)
    estim_frequency_hz = models.DecimalField(
        "E-stim frequency (Hz)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(200)],
    )
    estim_intensity_ma = models.DecimalField(
        "E-stim intensity (mA)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(50)],
    )
    estim_minutes = models.PositiveSmallIntegerField(
        "E-stim minutes",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    lot_number = models.CharField("Needle lot number", max_length=40)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["lot_number"], name="needling_lot_idx")]
        constraints = [
            # Electrical stimulation is recorded whole or not at all.
            models.CheckConstraint(
                condition=Q(
                    estim_frequency_hz__isnull=True,
                    estim_intensity_ma__isnull=True,
                    estim_minutes__isnull=True,
                )
                | Q(
                    estim_frequency_hz__isnull=False,
                    estim_intensity_ma__isnull=False,
                    estim_minutes__isnull=False,
                ),
                name="needling_estim_all_or_none",
            ),
            models.CheckConstraint(condition=~Q(lot_number=""), name="needling_lot_required"),
        ]

    def __str__(self) -> str:
        return f"{self.point} ({self.get_side_display()}), lot {self.lot_number}"

    @property
    def uses_estim(self) -> bool:
        return self.estim_frequency_hz is not None


class NoteAmendment(models.Model):
    """A dated correction of a signed note, with its author and reason; shown in order
    beneath the original. Never changed or deleted."""

    note = models.ForeignKey(TreatmentNote, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Amendment to {self.note} on {self.created_at:%d %b %Y}"
