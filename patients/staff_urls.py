from django.urls import path

from patients import staff_views

app_name = "patients_staff"
urlpatterns = [
    path("", staff_views.intake_list, name="intakes"),
    path("rules/", staff_views.screening_rules, name="rules"),
    path("<int:intake_id>/", staff_views.intake_detail, name="intake"),
    path("<int:intake_id>/review/", staff_views.intake_review, name="review"),
]
