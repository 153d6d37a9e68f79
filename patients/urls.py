from django.urls import path

from patients.views import intake as views

app_name = "patients"
urlpatterns = [
    path("<str:token>/", views.intake_start, name="intake"),
    path("<str:token>/details/", views.intake_details, name="intake_details"),
    path("<str:token>/questionnaire/", views.intake_questionnaire, name="intake_questionnaire"),
    path("<str:token>/screening/", views.intake_screening, name="intake_screening"),
    path("<str:token>/consent/", views.intake_consent, name="intake_consent"),
    path("<str:token>/done/", views.intake_done, name="intake_done"),
    path("<str:token>/copy/", views.consent_copy, name="intake_copy"),
    path("<str:token>/copy/signed-consent.txt", views.consent_download, name="intake_download"),
]
