from django.urls import path

from messaging.views import desk

app_name = "messaging_staff"
urlpatterns = [
    path("messages/replies/", desk.replies, name="replies"),
    path("messages/replies/<int:pk>/handled/", desk.reply_handled, name="reply_handled"),
    path("patients/<int:pk>/texts/", desk.patient_texts, name="patient_texts"),
    path("patients/<int:pk>/texts/consent/", desk.consent_record, name="consent_record"),
]
