from django.urls import path

from booking.views import feeds, payment, photos, portal, portal_courses, recalls, review
from booking.views import public as views

app_name = "booking"
urlpatterns = [
    path("services/", views.services, name="services"),
    path("practitioners/", views.practitioners, name="practitioners"),
    path("practitioners/<slug:slug>/", views.practitioner, name="practitioner"),
    path(
        "practitioners/<slug:slug>/photo/<slug:digest>.<slug:extension>",
        photos.practitioner_photo,
        name="practitioner_photo",
    ),
    path("book/", views.book, name="book"),
    path("book/review/", review.book_review, name="review"),
    path("book/confirmed/", review.book_confirmed, name="confirmed"),
    path("book/payment/return/", payment.payment_return, name="payment_return"),
    path("book/payment/cancel/", payment.payment_cancel, name="payment_cancel"),
    path("book/<slug:service_slug>/", views.book_where, name="where"),
    path("book/<slug:service_slug>/<slug:location_slug>/", views.book_times, name="times"),
    path("book/<slug:service_slug>/<slug:location_slug>/month/", views.book_month, name="month"),
    path("book/<slug:service_slug>/<slug:location_slug>/hold/", views.book_hold, name="hold"),
    path(
        "book/<slug:service_slug>/<slug:location_slug>/details/",
        views.book_details,
        name="details",
    ),
    path(
        "book/<slug:service_slug>/<slug:location_slug>/waitlist/",
        views.book_waitlist,
        name="waitlist",
    ),
    path("appointment/<str:token>/", portal.manage, name="manage"),
    path("appointment/<str:token>/cancel/", portal.manage_cancel, name="manage_cancel"),
    path("appointment/<str:token>/reschedule/", portal.manage_reschedule, name="manage_reschedule"),
    path("my/", portal.portal, name="portal"),
    path("my/progress/", portal.portal_progress, name="portal_progress"),
    path("my/contact/", portal.portal_contact, name="portal_contact"),
    path("my/course/<slug:location_slug>/", portal_courses.portal_course, name="portal_course"),
    path("my/sign-in/", portal.portal_sign_in, name="portal_sign_in"),
    path("my/sign-in/<str:token>/", portal.portal_enter, name="portal_enter"),
    path("my/sign-out/", portal.portal_sign_out, name="portal_sign_out"),
    path("calendar/<str:token>.ics", feeds.feed, name="calendar_feed"),
    path("waitlist/claim/<str:token>/", portal.waitlist_claim, name="waitlist_claim"),
    path("no-more-visits/<str:token>/", recalls.decline, name="recall_decline"),
]
