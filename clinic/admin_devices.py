"""Second factors in the admin: who has set up which, and nothing more (decision 0072).

django-otp's own device admins let whoever holds a device model's permissions add a
device to anyone, read a TOTP key or its QR code, list recovery codes, or delete a
colleague's authenticator. They are replaced by a list that shows no secret and changes
nothing, for every role and the superuser alike: a second factor is removed only by the
staff accounts' "reset two-factor" action (clinic.admin_users), which is guarded and
logged."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from clinic.admin_mixins import ReadOnlyAdmin
from clinic.models import RecoveryCodes

# What a device shows: whose it is and when it was used. Never a key, a code or a hash.
DEVICE_FIELDS = ("user", "name", "confirmed", "created_at", "last_used_at")


class SecondFactorAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    fields = DEVICE_FIELDS
    readonly_fields = DEVICE_FIELDS
    list_display = DEVICE_FIELDS
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "name"]
    ordering = ["user__username", "name"]


# Recovery codes now live hashed in RecoveryCodes; StaticDevice stays only for the
# migration that moved its codes (clinic 0008), with no admin.
admin.site.unregister(StaticDevice)
admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, SecondFactorAdmin)
admin.site.register(RecoveryCodes, SecondFactorAdmin)
# django-otp-webauthn registers no admin of its own; its passkeys are listed the same way
# (never their public keys or credential ids).
admin.site.register(WebAuthnCredential, SecondFactorAdmin)
