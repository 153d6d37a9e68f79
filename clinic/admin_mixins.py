"""Shared pieces of the clinic's admin classes (beside admin_site.py and admin_users.py)."""

from typing import Any, override

from django.contrib.admin.options import BaseModelAdmin, ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


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


class SingletonAdmin(ModelAdmin[Any]):
    """A model of one row (the booking policy, the gift voucher terms) whose ``load()``
    makes it on first use: there is never one to add or delete, and the list page opens
    that row. Put it first among the bases."""

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @override
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row = self.model.load()
        meta = self.model._meta
        return redirect(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]))
