"""Who is due a recall, and the recalls the desk has seen go out (decision 0111).

The rule, in the database: an open episode of a patient not archived, never recalled;
the patient's last completed session is of a service with a recall period, falls inside
the episode, and ended longer ago than that period; and the patient has nothing booked.
A patient with two open episodes is recalled for the newer one only."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.sql.compiler import SQLCompiler

from booking.models import Appointment, AppointmentStatus, Recall
from patients.models import Episode, EpisodeStatus

# A checked-in session is under way: the patient is not lost to follow-up.
BOOKED = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


class Days(Func):
    """A whole number of days as a duration, in each database's own terms: an interval in
    PostgreSQL, microseconds in SQLite (how Django stores durations there). Django has
    no portable "integer times timedelta"."""

    output_field = DurationField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        return self.as_sql(
            compiler, connection, template="make_interval(days => %(expressions)s)", **extra
        )

    def as_sqlite(  # type: ignore[override]  # Func's as_sql, another template
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        return self.as_sql(
            compiler, connection, template="(%(expressions)s * 86400000000)", **extra
        )


def _last_completed(field: str) -> Subquery:
    sessions = Appointment.objects.filter(
        patient=OuterRef("patient"), status=AppointmentStatus.COMPLETED
    ).order_by("-start", "-pk")
    return Subquery(sessions.values(field)[:1])


def due_recalls(*, now: dt.datetime) -> QuerySet[Episode]:
    """Episodes due a recall now, oldest due first, with `last_visit_id`, `last_start`,
    `recall_service_id`, `recall_service` (its name) and `due_at` annotated, and the
    patient loaded: one query."""
    booked = Appointment.objects.filter(patient=OuterRef("patient"), status__in=BOOKED, end__gt=now)
    newer = Episode.objects.filter(patient=OuterRef("patient"), status=EpisodeStatus.ACTIVE).filter(
        Q(started_on__gt=OuterRef("started_on"))
        | Q(started_on=OuterRef("started_on"), pk__gt=OuterRef("pk"))
    )
    return (
        Episode.objects.filter(
            status=EpisodeStatus.ACTIVE, patient__is_archived=False, recall__isnull=True
        )
        .annotate(
            last_visit_id=_last_completed("pk"),
            last_start=_last_completed("start"),
            recall_days=_last_completed("service__recall_after_days"),
            recall_service_id=_last_completed("service_id"),
            recall_service=_last_completed("service__name"),
        )
        .filter(recall_days__isnull=False, last_start__date__gte=F("started_on"))
        .annotate(
            due_at=ExpressionWrapper(
                F("last_start") + Days(F("recall_days")), output_field=DateTimeField()
            )
        )
        .filter(due_at__lte=now)
        .exclude(Exists(booked))
        .exclude(Exists(newer))
        .select_related("patient")
        .order_by("due_at", "pk")
    )


def recent_recalls(*, now: dt.datetime, days: int = 90) -> QuerySet[Recall]:
    """Recalls queued in the last `days` days, newest first, with what the page shows."""
    return (
        Recall.objects.filter(created_at__gte=now - dt.timedelta(days=days))
        .select_related("patient", "service", "last_visit", "booked")
        .order_by("-created_at", "-pk")
    )
