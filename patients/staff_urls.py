from django.urls import path

from patients.views import review, staff

app_name = "patients_staff"
urlpatterns = [
    path("intakes/", review.intake_list, name="intakes"),
    path("intakes/rules/", review.screening_rules, name="rules"),
    path("intakes/<int:intake_id>/", review.intake_detail, name="intake"),
    path("intakes/<int:intake_id>/review/", review.intake_review, name="review"),
    path("patients/", staff.patients, name="patients"),
    path("patients/new/", staff.patient_new, name="patient_new"),
    path("patients/<int:pk>/", staff.patient, name="patient"),
    path("patients/<int:pk>/access-log/", staff.access_log, name="access_log"),
    path(
        "patients/<int:pk>/access-log/export.csv",
        staff.access_log_export,
        name="access_log_export",
    ),
]
