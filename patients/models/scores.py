"""Outcome instruments (as data: version, direction, range, MCID) and the scores recorded
with them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models.episodes import Episode, Visit
from patients.models.records import Intake
from patients.models.surveys import FollowUpSurvey


class Direction(models.TextChoices):
    LOWER_BETTER = "lower_better", "Lower is better"
    HIGHER_BETTER = "higher_better", "Higher is better"


class Instrument(models.Model):
    """One version of an outcome measure. The meaningful change (MCID) is data the clinic
    can edit, in points, in percent of the baseline, or both (either is enough).
    Instruments under licence are not shipped: a clinic holding a licence adds them here."""

    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=30)
    direction = models.CharField(max_length=15, choices=Direction.choices)
    min_value = models.DecimalField(max_digits=6, decimal_places=1)
    max_value = models.DecimalField(max_digits=6, decimal_places=1)
    unit = models.CharField(max_length=20, default="points")
    mcid_points = models.DecimalField(
        "MCID (points)", max_digits=6, decimal_places=1, null=True, blank=True
    )
    mcid_percent = models.DecimalField(
        "MCID (% of baseline)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    item_label = models.CharField(
        max_length=50,
        blank=True,
        help_text="What each score is about, when one instrument scores several things "
        "(PSFS: the activity; range of motion: the joint and movement).",
    )
    licence = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version"),
            models.CheckConstraint(
                condition=Q(max_value__gt=models.F("min_value")), name="instrument_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class ScoreSource(models.TextChoices):
    INTAKE = "intake", "Intake questionnaire"
    PRE_VISIT = "pre_visit", "Pre-visit link"
    DESK = "desk", "At the clinic"
    CHECK_IN = "check_in", "Check-in after a session"
    DISCHARGE = "discharge", "At discharge"
    FOLLOW_UP = "follow_up", "Follow-up survey"


# Sources where the patient gave the score themselves: a follow-up survey asks again the
# measures whose baseline came from one of these (decision 0112).
PATIENT_REPORTED = (
    ScoreSource.INTAKE,
    ScoreSource.PRE_VISIT,
    ScoreSource.CHECK_IN,
    ScoreSource.FOLLOW_UP,
)


class OutcomeScore(models.Model):
    """One raw score on one instrument. The intake's NPRS and PSFS answers are linked in
    as the episode's baseline rather than asked again."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="scores")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="scores")
    label = models.CharField(max_length=200, blank=True)
    value = models.DecimalField(max_digits=6, decimal_places=1)
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=ScoreSource.choices)
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="scores"
    )
    intake = models.ForeignKey(
        Intake, on_delete=models.PROTECT, null=True, blank=True, related_name="scores"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    survey = models.ForeignKey(
        FollowUpSurvey, on_delete=models.PROTECT, null=True, blank=True, related_name="scores"
    )

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["episode", "recorded_at"], name="score_episode_idx")]
        constraints = [
            # Linking the intake twice adds nothing.
            models.UniqueConstraint(
                fields=["intake", "instrument", "label"],
                condition=Q(intake__isnull=False),
                name="score_one_per_intake_item",
            ),
            # The database's answer to a survey link submitted twice at once.
            models.UniqueConstraint(
                fields=["survey", "instrument", "label"],
                condition=Q(survey__isnull=False),
                name="score_one_per_survey_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} {self.label} {self.value}"
