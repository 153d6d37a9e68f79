"""Services, and the practitioners who give them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from clinic.models import Location


class Service(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(120)],
        help_text="Time after the session for cleaning and needle disposal. "
        "The practitioner and the room stay booked until it ends.",
    )
    price = models.DecimalField(max_digits=8, decimal_places=2)
    allows_first_visit = models.BooleanField(
        default=False,
        help_text="May be a patient's first visit (for example the initial assessment).",
    )
    is_online_bookable = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)
    recall_after_days = models.PositiveSmallIntegerField(
        "recall after (days)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="A patient in an open episode whose last session was this service, with "
        "nothing booked this many days later, is invited once to book again. Empty: no "
        "recall.",
    )

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class PractitionerQuerySet(models.QuerySet):
    def bookable(self, *, service: Service, location: Location) -> "PractitionerQuerySet":
        return self.filter(is_active=True, services=service, locations=location)


class Practitioner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner"
    )
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=100, help_text="For example: Physiotherapist")
    credentials = models.CharField(max_length=200, blank=True, help_text="For example: MSc, MCSP")
    # Insurers ask for it on every invoice: printed beside each session the practitioner gave.
    registration_number = models.CharField(
        "professional registration number",
        max_length=50,
        blank=True,
        help_text="For example: HCPC PH123456. Printed on invoices and receipts.",
    )
    bio = models.TextField(blank=True)
    services = models.ManyToManyField(Service, related_name="practitioners", blank=True)
    locations = models.ManyToManyField(Location, related_name="practitioners", blank=True)
    is_active = models.BooleanField(default=True)

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["user__first_name", "user__last_name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("booking:practitioner", args=[self.slug])

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()
