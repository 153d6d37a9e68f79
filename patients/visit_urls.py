from django.urls import path

from patients.views import visit_links

app_name = "visit_links"
urlpatterns = [
    path("<str:token>/before/", visit_links.pre_visit, name="pre_visit"),
    path("<str:token>/after/", visit_links.check_in, name="check_in"),
    path("follow-up/<str:token>/", visit_links.follow_up, name="follow_up"),
]
