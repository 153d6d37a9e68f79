from django.urls import path

from booking.views import courses, feeds, recalls, reports
from booking.views import staff as views

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/<slug:location_slug>/", views.day, name="day"),
    path("calendar/<slug:location_slug>/week/<int:practitioner_id>/", views.week, name="week"),
    path("calendar/<slug:location_slug>/book/", views.book, name="book"),
    path("appointments/<str:reference>/", views.appointment, name="appointment"),
    path(
        "appointments/<str:reference>/status/",
        views.appointment_status,
        name="appointment_status",
    ),
    path(
        "appointments/<str:reference>/cancel/",
        views.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path(
        "appointments/<str:reference>/reschedule/",
        views.appointment_reschedule_view,
        name="appointment_reschedule",
    ),
    path("patients/<int:pk>/waitlist/", views.waitlist_new, name="waitlist_new"),
    path(
        "calendar/<slug:location_slug>/course/<int:patient_id>/",
        courses.course_new,
        name="course_new",
    ),
    path("courses/<int:pk>/", courses.course_detail, name="course"),
    path("courses/<int:pk>/cancel/", courses.course_cancel, name="course_cancel"),
    path("calendar-feed/", feeds.my_feed, name="my_feed"),
    path("reports/", reports.reports, name="reports"),
    path("reports/export.csv", reports.reports_csv, name="reports_csv"),
    path("waitlist/", views.waitlist_list, name="waitlist"),
    path("recalls/", recalls.recalls, name="recalls"),
    path("waitlist/<int:pk>/status/", views.waitlist_status, name="waitlist_status"),
]
