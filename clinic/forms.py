import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from clinic import ratelimit, twofactor


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def strip_control_characters(value: str, *, multiline: bool) -> str:
    """Remove control and format characters (NUL, escape sequences, bidirectional
    overrides...) that nobody types on purpose; they end up in emails and the admin.
    Text areas keep their line breaks and tabs."""
    keep = {"\n", "\r", "\t"} if multiline else set()
    return "".join(ch for ch in value if ch in keep or unicodedata.category(ch) not in {"Cc", "Cf"})


def _stripping[T](to_python: Callable[[object], T], *, multiline: bool) -> Callable[[object], T]:
    def clean(value: object) -> T:
        if isinstance(value, str):
            value = strip_control_characters(value, multiline=multiline)
        return to_python(value)

    return clean


if TYPE_CHECKING:
    _Form = forms.BaseForm
else:
    _Form = object


class CleanTextMixin(_Form):
    """For every form that takes text from people: each text field drops control
    characters before validation, so lengths and validators see what is stored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                multiline = isinstance(field.widget, forms.Textarea)
                field.to_python = _stripping(field.to_python, multiline=multiline)  # type: ignore[method-assign,assignment]


class CleanTextModelForm(CleanTextMixin, forms.ModelForm):
    """The admin's forms: names and texts typed there reach patients' emails and pages."""


if TYPE_CHECKING:
    _LoginForm = AuthenticationForm
else:
    _LoginForm = object


class RateLimitedLoginMixin(_LoginForm):
    """Refuse sign-in for a while after too many failures, before the password is even
    checked, so guessing gains nothing. A known account is counted per account and
    address, so nobody elsewhere can lock a colleague out; unknown usernames are counted
    per address, which slows guessing of names without touching real accounts
    (docs/decisions/0043)."""

    def _limits(self, username: str) -> dict[str, int]:
        address = getattr(self.request, "META", {}).get("REMOTE_ADDR", "")
        model = get_user_model()
        user = model._default_manager.filter(
            **{f"{model.USERNAME_FIELD}__iexact": username}
        ).first()
        if user is not None:
            return twofactor.account_limits(user.pk, address)
        return {ratelimit.key("login-unknown", address): settings.CLINIC_LOGIN_FAILURES_PER_IP}

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "").strip()
        hits = twofactor.attempt(self._limits(username))
        if hits is None:
            raise forms.ValidationError(
                "Too many failed sign-ins. Please wait 15 minutes, or ask the clinic manager.",
                code="rate_limited",
            )
        cleaned = super().clean()  # a wrong password raises, and its hit stays counted
        twofactor.succeeded(hits)
        return cleaned


class StaffLoginForm(RateLimitedLoginMixin, AuthenticationForm):
    pass


class TwoFactorForm(CleanTextMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class PasskeyNameForm(CleanTextMixin, forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=64,
        help_text="Which key or device this is, for example “YubiKey on my keyring”.",
    )
