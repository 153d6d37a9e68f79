from django.urls import path

from messaging import template_views
from messaging.views import desk

app_name = "messaging_staff"
urlpatterns = [
    path("messages/replies/", desk.replies, name="replies"),
    path("messages/replies/<int:pk>/handled/", desk.reply_handled, name="reply_handled"),
    path("patients/<int:pk>/texts/", desk.patient_texts, name="patient_texts"),
    path("patients/<int:pk>/texts/consent/", desk.consent_record, name="consent_record"),
    # The wording of patients' messages (decision 0110).
    path("messages/", template_views.template_list, name="templates"),
    path("messages/<str:channel>/<str:kind>/", template_views.template_edit, name="template_edit"),
    path(
        "messages/<str:channel>/<str:kind>/preview/",
        template_views.template_preview,
        name="template_preview",
    ),
    path(
        "messages/<str:channel>/<str:kind>/reset/",
        template_views.template_reset,
        name="template_reset",
    ),
]
