"""The manager's reports for a period at a location, in a fixed number of queries.

Utilisation is booked minutes over available minutes. Available minutes come from the
engine's own working time (``availability.working_intervals``: weekly and extra hours,
less time off and closures, in real minutes on clock-change days). A room is available
whenever anyone works at the location. Booked minutes are sessions (start to end, not
the buffer) that still hold their time: requested, confirmed, checked in, completed.

Rates: no-shows over sessions due to be attended (completed, checked in, no-show);
late cancellations over every appointment in the period; the waitlist fill rate is the
share of entries made in the period that ended in a booking. Revenue is completed
sessions at the service's current list price. New patients are those whose first
session that was not cancelled (anywhere) falls in the period. Outcomes: per instrument,
the share of episodes discharged in the period, with a session at the location, that
reached the instrument's MCID (patients.selectors.mcid_shares).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    Subquery,
    Sum,
)

from booking.models import (
    RELEASED_STATUSES,
    Appointment,
    AppointmentStatus,
    Practitioner,
    WaitlistEntry,
    WaitlistStatus,
)
from booking.scheduling import availability
from booking.scheduling.schedule import local_day_bounds, time_away, working_hours
from clinic.models import Location, Room
from patients.models import Patient
from patients.selectors import McidShare, mcid_shares

# Cancellation lead times: how long before the start it was cancelled.
LEAD_BUCKETS = (
    ("under 24 hours", dt.timedelta(0), dt.timedelta(hours=24)),
    ("24 to 48 hours", dt.timedelta(hours=24), dt.timedelta(hours=48)),
    ("2 to 7 days", dt.timedelta(hours=48), dt.timedelta(days=7)),
    ("7 days or more", dt.timedelta(days=7), None),
)
CANCELLED = [AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED]
DUE = [AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW]


def minutes(intervals: list[tuple[dt.datetime, dt.datetime]]) -> int:
    """Minutes covered by intervals, overlaps counted once."""
    merged = availability.subtract(intervals, [])
    total = dt.timedelta(0)
    end_so_far: dt.datetime | None = None
    for start, end in merged:
        begin = max(start, end_so_far) if end_so_far else start
        if end > begin:
            total += end - begin
        end_so_far = max(end, end_so_far) if end_so_far else end
    return int(total.total_seconds() // 60)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class UseRow:
    name: str
    booked_minutes: int
    available_minutes: int

    @property
    def utilisation(self) -> float | None:
        return rate(self.booked_minutes, self.available_minutes)


@dataclass(frozen=True)
class Report:
    location: Location
    first_day: dt.date
    last_day: dt.date
    practitioners: list[UseRow]
    rooms: list[UseRow]
    appointments: int
    due: int
    no_shows: int
    late_cancellations: int
    lead_times: list[tuple[str, int]]
    average_lead_hours: float | None
    new_patients: int
    returning_patients: int
    waitlist_entries: int
    waitlist_booked: int
    revenue: dict[str, str] = field(default_factory=dict)  # practitioner name -> amount
    revenue_total: str = "0.00"
    # Per instrument: discharged episodes that reached the MCID (patients.selectors).
    outcomes: list[McidShare] = field(default_factory=list)

    @property
    def no_show_rate(self) -> float | None:
        return rate(self.no_shows, self.due)

    @property
    def late_cancellation_rate(self) -> float | None:
        return rate(self.late_cancellations, self.appointments)

    @property
    def waitlist_fill_rate(self) -> float | None:
        return rate(self.waitlist_booked, self.waitlist_entries)


def _lead_aggregates() -> dict[str, Any]:
    lead = ExpressionWrapper(F("start") - F("cancelled_at"), output_field=DurationField())
    aggregates: dict[str, Aggregate] = {}
    for n, (_, low, high) in enumerate(LEAD_BUCKETS):
        condition = Q(status__in=CANCELLED, lead__gte=low)
        if high is not None:
            condition &= Q(lead__lt=high)
        aggregates[f"lead{n}"] = Count("pk", filter=condition)
    aggregates["lead_sum"] = Sum("lead", filter=Q(status__in=CANCELLED))
    return {"lead": lead, **aggregates}


def manager_report(*, location: Location, first_day: dt.date, last_day: dt.date) -> Report:
    """Nine queries, however many appointments."""
    start, end = local_day_bounds(first_day, last_day, location)
    team = {  # query 1
        p.pk: p.name for p in Practitioner.objects.filter(locations=location).select_related("user")
    }
    rooms = list(Room.objects.filter(location=location).order_by("name", "pk"))  # query 2
    ids = sorted(team)
    hours = working_hours(  # query 3
        location=location, practitioner_ids=ids, first_day=first_day, last_day=last_day
    )
    away, closed = time_away(location=location, practitioner_ids=ids, start=start, end=end)  # 4
    schedule = availability.Schedule(
        location.zone, tuple(ids), tuple(r.pk for r in rooms), hours, away, closed
    )
    working = availability.working_intervals(schedule, first_day, last_day)

    in_period = Appointment.objects.filter(location=location, start__gte=start, start__lt=end)
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    holding = ~Q(status__in=RELEASED_STATUSES)
    lead = _lead_aggregates()
    by_practitioner = list(  # query 5
        in_period.annotate(length=length, lead=lead.pop("lead"))
        .order_by()
        .values("practitioner_id")
        .annotate(
            booked=Sum("length", filter=holding),
            total=Count("pk"),
            due=Count("pk", filter=Q(status__in=DUE)),
            no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
            late=Count("pk", filter=Q(status=AppointmentStatus.LATE_CANCELLED)),
            revenue=Sum("service__price", filter=Q(status=AppointmentStatus.COMPLETED)),
            **lead,
        )
    )
    by_room = {  # query 6
        row["room_id"]: row["booked"]
        for row in in_period.annotate(length=length)
        .order_by()
        .values("room_id")
        .annotate(booked=Sum("length", filter=holding))
    }
    seen = in_period.exclude(status__in=CANCELLED).values("patient_id")
    patients = (  # query 7
        Patient.objects.filter(pk__in=Subquery(seen))
        .annotate(first=Min("appointments__start", filter=~Q(appointments__status__in=CANCELLED)))
        .aggregate(total=Count("pk"), new=Count("pk", filter=Q(first__gte=start)))
    )
    waitlist = WaitlistEntry.objects.filter(  # query 8
        Q(location=location) | Q(location__isnull=True), created_at__gte=start, created_at__lt=end
    ).aggregate(total=Count("pk"), booked=Count("pk", filter=Q(status=WaitlistStatus.BOOKED)))
    report = _assemble(
        location=location,
        first_day=first_day,
        last_day=last_day,
        team=team,
        rooms=rooms,
        working=working,
        by_practitioner=by_practitioner,
        by_room=by_room,
        patients=patients,
        waitlist=waitlist,
    )
    shares = mcid_shares(location_id=location.pk, first_day=first_day, last_day=last_day)  # 9
    return replace(report, outcomes=shares)


def _whole_minutes(duration: dt.timedelta | None) -> int:
    return int(duration.total_seconds() // 60) if duration else 0


def _assemble(
    *,
    location: Location,
    first_day: dt.date,
    last_day: dt.date,
    team: dict[int, str],
    rooms: list[Room],
    working: dict[int, list[tuple[dt.datetime, dt.datetime]]],
    by_practitioner: Sequence[Mapping[str, Any]],
    by_room: dict[int, dt.timedelta | None],
    patients: dict[str, int],
    waitlist: dict[str, int],
) -> Report:
    rows = {row["practitioner_id"]: row for row in by_practitioner}
    open_minutes = minutes([i for intervals in working.values() for i in intervals])
    cancelled = sum(rows[p][f"lead{n}"] for p in rows for n in range(len(LEAD_BUCKETS)))
    lead_sum = sum((r["lead_sum"] for r in rows.values() if r["lead_sum"]), dt.timedelta(0))
    revenue = {team[p]: f"{rows[p]['revenue']:.2f}" for p in rows if rows[p]["revenue"]}
    total_revenue = sum((r["revenue"] for r in rows.values() if r["revenue"]), 0)

    def total(key: str) -> int:
        return sum(r[key] for r in rows.values())

    return Report(
        location=location,
        first_day=first_day,
        last_day=last_day,
        practitioners=[
            UseRow(
                name,
                _whole_minutes(rows.get(pid, {}).get("booked")),
                minutes(working.get(pid, [])),
            )
            for pid, name in sorted(team.items(), key=lambda item: (item[1], item[0]))
        ],
        rooms=[UseRow(r.name, _whole_minutes(by_room.get(r.pk)), open_minutes) for r in rooms],
        appointments=total("total"),
        due=total("due"),
        no_shows=total("no_shows"),
        late_cancellations=total("late"),
        lead_times=[(label, total(f"lead{n}")) for n, (label, _, _) in enumerate(LEAD_BUCKETS)],
        average_lead_hours=(lead_sum.total_seconds() / 3600 / cancelled) if cancelled else None,
        new_patients=patients["new"],
        returning_patients=patients["total"] - patients["new"],
        waitlist_entries=waitlist["total"],
        waitlist_booked=waitlist["booked"],
        revenue=revenue,
        revenue_total=f"{total_revenue:.2f}",
    )
