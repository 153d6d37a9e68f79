from django.urls import path

from messaging import template_views

app_name = "messaging_staff"
urlpatterns = [
    path("", template_views.template_list, name="templates"),
    path("<str:channel>/<str:kind>/", template_views.template_edit, name="template_edit"),
    path(
        "<str:channel>/<str:kind>/preview/",
        template_views.template_preview,
        name="template_preview",
    ),
    path("<str:channel>/<str:kind>/reset/", template_views.template_reset, name="template_reset"),
]
