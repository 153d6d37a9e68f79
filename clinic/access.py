"""The one access check for staff pages: sign in with both factors first, then the
permission, or 403. The permissions a view needs are kept on it (`required_permissions`),
so tests/clinic/test_roles.py reads them from the URL resolver."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate
from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

if TYPE_CHECKING:
    # The stubs' stand-in for settings.AUTH_USER_MODEL: the django-stubs plugin resolves it
    # to the configured model, so these annotations follow a swapped user model.
    from django.contrib.auth.models import _User as StaffUser


# A view taking the request and then the URL's arguments.
type View[**P] = Callable[Concatenate[HttpRequest, P], HttpResponse]


def is_verified(request: HttpRequest) -> bool:
    """Signed in with the password and the second factor (django-otp's middleware)."""
    user = request.user
    return user.is_authenticated and bool(getattr(user, "is_verified", bool)())


def staff_required[**P](*permissions: str) -> Callable[[View[P]], View[P]]:
    """Anonymous visitors go to the staff sign-in page, password-only sessions to the
    second-factor page; signed-in users without every listed permission get 403."""

    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_verified(request):
                query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('two_factor:verify')}?{query}")
            if not request.user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permissions = frozenset(permissions)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def staff_user(request: HttpRequest) -> "StaffUser":
    """The signed-in user of a view behind staff_required."""
    user = request.user
    assert user.is_authenticated, "staff_required lets only signed-in users through"
    return user
