"""How fast the takings report is on a year of a busy clinic: 5 practitioners, 30
appointments a day each, 365 days (54,750 sessions), most invoiced and most of those paid.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/bench_takings.py

Like bench_booking.py, it creates, seeds and drops its own scratch database.
"""

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import bench_booking as base  # noqa: E402  (after the path is set)

base.SCRATCH_DB = "clinic_bench_takings"
PRACTITIONERS = 5
PER_DAY = 30  # sessions per practitioner per day, every 20 minutes from 08:00
PATIENTS = 4_000
FIRST_DAY = dt.date(2027, 1, 4)
DAYS = 365
INVOICED = 0.9  # of sessions
PAID = 0.85  # of invoices; a tenth of the rest part paid
RUNS = 7
METHODS = ["cash", "card", "card", "card", "bank_transfer", "insurer"]


def _sessions() -> list:
    from django.contrib.auth import get_user_model

    from booking.models import Appointment, AppointmentSource, Practitioner, Service
    from clinic.models import Location, Room
    from patients.models import Patient

    zone = base.ZONE
    location = Location.objects.create(
        name="Riverside", slug="riverside", address="1 River Street", time_zone=zone.key
    )
    service = Service.objects.create(
        name="Follow-up", slug="follow-up", duration_minutes=15, price="50.00"
    )
    practitioners, rooms = [], []
    for n in range(PRACTITIONERS):
        user = get_user_model().objects.create_user(username=f"practitioner{n}")
        practitioners.append(Practitioner.objects.create(user=user, slug=f"p{n}", title="Physio"))
        rooms.append(Room.objects.create(location=location, name=f"Room {n}"))
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Patient{n}",
            last_name="Bench",
            email=f"p{n}@example.com",
            phone="+447700900123",
            date_of_birth=dt.date(1980, 1, 1),
        )
        for n in range(PATIENTS)
    )
    rows: list[Appointment] = []
    for offset in range(DAYS):
        day = FIRST_DAY + dt.timedelta(days=offset)
        for p, (practitioner, room) in enumerate(zip(practitioners, rooms, strict=True)):
            for slot in range(PER_DAY):
                wall = dt.time(8 + slot // 3, 20 * (slot % 3))
                start = dt.datetime.combine(day, wall, tzinfo=zone).astimezone(dt.UTC)
                # Sessions at one time belong to different patients (a patient is never
                # in two places at once).
                patient = patients[(offset * 11 + slot * PRACTITIONERS + p) % PATIENTS]
                rows.append(
                    Appointment(
                        reference=f"B{len(rows):07d}"[-12:],
                        patient=patient,
                        practitioner=practitioner,
                        service=service,
                        location=location,
                        room=room,
                        start=start,
                        end=start + dt.timedelta(minutes=15),
                        occupied_until=start + dt.timedelta(minutes=20),
                        status="completed",
                        source=AppointmentSource.FRONT_DESK,
                    )
                )
    return Appointment.objects.bulk_create(rows, batch_size=5_000)


def _invoice(sessions: list, rng: random.Random) -> list:
    """Drafts with one line each, then issued in one UPDATE (the database refuses lines
    added to an issued invoice)."""
    from django.db import connection

    from billing.models import Invoice, InvoiceLine

    invoiced = [s for s in sessions if rng.random() < INVOICED]
    invoices = Invoice.objects.bulk_create(
        (Invoice(patient_id=s.patient_id, currency="GBP") for s in invoiced), batch_size=5_000
    )
    price = 50
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                invoice=invoice,
                description="Follow-up",
                appointment=session,
                unit_price=price,
                net=price,
                tax=0,
                gross=price,
            )
            for invoice, session in zip(invoices, invoiced, strict=True)
        ),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE billing_invoice i SET status = 'issued', number = 'INV-' || i.id,
                issued_at = a."end", due_on = (a."end" + interval '14 days')::date,
                net_total = 50, tax_total = 0, total = 50
            FROM billing_invoiceline l JOIN booking_appointment a ON a.id = l.appointment_id
            WHERE l.invoice_id = i.id
            """
        )
    return list(zip(invoices, invoiced, strict=True))


def _pay(invoiced: list, rng: random.Random) -> int:
    from django.contrib.auth import get_user_model

    from billing.models import Payment, PaymentAllocation

    desk = get_user_model().objects.create_user(username="desk")
    payments, allocations = [], []
    for invoice, session in invoiced:
        share = rng.random()
        if share >= PAID + (1 - PAID) / 10:
            continue
        amount = 50 if share < PAID else 20
        when = session.end + dt.timedelta(minutes=5)
        payments.append(
            Payment(
                patient_id=session.patient_id,
                method=rng.choice(METHODS),
                amount=amount,
                currency="GBP",
                received_at=when,
                taken_by=desk,
            )
        )
        allocations.append((invoice, amount, when))
    payments = Payment.objects.bulk_create(payments, batch_size=5_000)
    PaymentAllocation.objects.bulk_create(
        (
            PaymentAllocation(payment=payment, invoice=invoice, amount=amount, allocated_at=when)
            for payment, (invoice, amount, when) in zip(payments, allocations, strict=True)
        ),
        batch_size=5_000,
    )
    return len(payments)


def seed() -> tuple[int, int, int]:
    rng = random.Random(1)
    sessions = _sessions()
    invoiced = _invoice(sessions, rng)
    paid = _pay(invoiced, rng)
    return len(sessions), len(invoiced), paid


def measure(days: int, practitioner_id: int | None = None) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.selectors.takings import load_takings

    last = FIRST_DAY + dt.timedelta(days=days - 1)
    samples = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            load_takings(
                first_day=FIRST_DAY,
                last_day=last,
                as_of=last,
                zone=base.ZONE,
                practitioner_id=practitioner_id,
            )
            samples.append(time.perf_counter() - started)
        queries = len(captured)
    return samples, queries


def main() -> None:
    import os

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    scratch_url = base.create_scratch_database(url)
    try:
        base.setup_django(scratch_url)
        from django.core.management import call_command
        from django.db import connection, connections

        from booking.models import Practitioner

        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        sessions, invoices, payments = seed()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"Seeded {sessions:,} sessions, {invoices:,} invoices, {payments:,} payments "
            f"in {time.perf_counter() - started:.1f} s; {RUNS} runs each"
        )
        print("| report | median | p95 | queries |")
        print("|---|---|---|---|")
        first = Practitioner.objects.order_by("pk").values_list("pk", flat=True).first()
        for label, days, who in (
            ("the clinic, one month", 31, None),
            ("the clinic, one year", 365, None),
            ("one practitioner, one year", 365, first),
        ):
            samples, queries = measure(days, who)
            median = statistics.median(samples) * 1000
            p95 = base.p95(samples) * 1000
            print(f"| {label} | {median:.0f} ms | {p95:.0f} ms | {queries} |")
        connections.close_all()
    finally:
        base.drop_scratch_database(url)


if __name__ == "__main__":
    main()
