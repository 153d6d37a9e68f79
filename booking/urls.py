from django.urls import path

from booking import views

app_name = "booking"
urlpatterns = [
    path("services/", views.services, name="services"),
    path("practitioners/", views.practitioners, name="practitioners"),
    path("practitioners/<slug:slug>/", views.practitioner, name="practitioner"),
    path("book/", views.book, name="book"),
    path("book/review/", views.book_review, name="review"),
    path("book/confirmed/", views.book_confirmed, name="confirmed"),
    path("book/<slug:service_slug>/", views.book_where, name="where"),
    path("book/<slug:service_slug>/<slug:location_slug>/", views.book_times, name="times"),
    path(
        "book/<slug:service_slug>/<slug:location_slug>/details/",
        views.book_details,
        name="details",
    ),
]
