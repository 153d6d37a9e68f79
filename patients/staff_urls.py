from django.urls import path

from patients.views import care, clinical, review, staff

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
    path("patients/<int:pk>/export/", staff.patient_export, name="patient_export"),
    path("patients/<int:pk>/break-glass/", care.break_glass, name="break_glass"),
    # Clinical records (patients.views.clinical)
    path("patients/<int:pk>/episodes/new/", clinical.episode_start, name="episode_start"),
    path("episodes/<int:pk>/", clinical.episode, name="episode"),
    path("episodes/<int:pk>/scores/", clinical.score_new, name="score_new"),
    path("episodes/<int:pk>/events/", clinical.event_new, name="event_new"),
    path("episodes/<int:pk>/discharge/", clinical.discharge, name="discharge"),
    path("episodes/<int:pk>/summary/", clinical.discharge_summary, name="discharge_summary"),
    path("visits/<str:reference>/", clinical.visit, name="visit"),
    path("visits/<str:reference>/recheck/", clinical.visit_recheck, name="visit_recheck"),
    path("visits/<str:reference>/clear/", clinical.visit_clear, name="visit_clear"),
    path("visits/<str:reference>/note/", clinical.note_save, name="note_save"),
    path("visits/<str:reference>/note/sign/", clinical.note_sign, name="note_sign"),
    path("visits/<str:reference>/note/amend/", clinical.note_amend, name="note_amend"),
    path("adverse-events/", clinical.adverse_events, name="adverse_events"),
    path("adverse-events/<int:pk>/close/", clinical.event_close, name="event_close"),
    path("needle-lots/", clinical.lot_search, name="lot_search"),
]
