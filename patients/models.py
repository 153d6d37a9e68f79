from django.db import models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField


class Patient(models.Model):
    """A person the clinic treats. Records are kept for years: never deleted, only archived."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = PhoneNumberField()
    date_of_birth = models.DateField()
    is_archived = models.BooleanField(
        default=False, help_text="Archived records are kept but hidden from day-to-day lists."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(Lower("email"), "date_of_birth", name="patient_email_dob_idx"),
            models.Index(Lower("last_name"), Lower("first_name"), name="patient_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
