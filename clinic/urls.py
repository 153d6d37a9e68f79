from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from booking.api.site import urls as api_urls
from clinic import errors, health, passkeys, signin, views

two_factor = (
    [
        path("", signin.verify, name="verify"),
        path("setup/", signin.setup, name="setup"),
    ],
    "two_factor",
)
# django-otp-webauthn's ceremonies under its own names (its scripts' template tags reverse
# them), through the clinic's stricter views.
passkey_ceremonies = (
    [
        path(
            "registration/begin/",
            passkeys.RegistrationBegin.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            passkeys.RegistrationComplete.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            passkeys.AuthenticationBegin.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            passkeys.AuthenticationComplete.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)
account = (
    [
        path("passkeys/", passkeys.passkey_list, name="passkeys"),
        path("passkeys/<int:pk>/name/", passkeys.passkey_rename, name="passkey_rename"),
        path("passkeys/<int:pk>/remove/", passkeys.passkey_remove, name="passkey_remove"),
        path("recovery-codes/", passkeys.recovery_codes_new, name="recovery_codes_new"),
    ],
    "account",
)

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the pages link; the mark is an SVG.
    path("favicon.ico", views.favicon),
    path("", views.home, name="home"),
    path("about/<slug:slug>/", views.page, name="page"),
    path("", include("booking.urls")),
    path("my/invoices/", include("billing.portal_urls")),
    path("intake/", include("patients.urls")),
    path("visit/", include("patients.visit_urls")),
    path("", include("billing.urls")),
    path("staff/login/", signin.StaffLoginView.as_view(), name="login"),
    path("staff/two-factor/", include(two_factor)),
    path("staff/two-factor/passkey/", include(passkey_ceremonies)),
    path("staff/account/", include(account)),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", include("patients.staff_urls")),
    path("staff/", include("booking.staff_urls")),
    path("staff/billing/", include("billing.staff_urls")),
    path("staff/messages/", include("messaging.staff_template_urls")),
    path("api/v1/", api_urls()),
    path("admin/", admin.site.urls),
]
