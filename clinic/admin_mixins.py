"""Shared pieces of the clinic's admin classes (beside admin_site.py and admin_users.py)."""

from typing import Any, override

from django.contrib.admin.options import BaseModelAdmin
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyAdmin(BaseModelAdmin[Any]):
    """Records of what happened, or written elsewhere (by a service, a worker, a patient's
    form): the admin shows them and never adds one. Put it first among the bases; it
    serves admins and inlines alike (for an inline it also stands for ``can_delete =
    False``).

    Nobody changes or deletes one here either, unless the admin says so: ``may_change``
    (its fields stay in ``readonly_fields``; the change permission then allows its
    actions, such as a status change or revoking) or ``may_delete``, each then left to
    the model's permission as usual.
    """

    may_change = False
    may_delete = False

    @override
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.may_change and super().has_change_permission(request, obj)

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.may_delete and super().has_delete_permission(request, obj)
