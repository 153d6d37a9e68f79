"""How fast issuing an invoice and taking a payment are, on a patient with history.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/bench_billing.py

Like bench_booking.py, it works in its own scratch database on that server (created,
migrated, seeded, dropped at the end) and never touches real data.
"""

import datetime as dt
import os
import statistics
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing.models import Invoice

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench_booking  # noqa: E402  (the scratch database helpers, beside this file)

bench_booking.SCRATCH_DB = "clinic_bench_billing"
RUNS = 50
HISTORY = 200  # issued, paid invoices the patient already has
LINES = 5
NOW = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)


def measure() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.services.invoices import LineInput, invoice_draft, invoice_issue
    from billing.services.payments import Allocation, payment_take
    from patients.models import Patient

    patient = Patient.objects.create(
        first_name="Bench",
        last_name="Patient",
        email="bench@example.com",
        phone="+441134960000",
        date_of_birth=dt.date(1980, 1, 1),
    )
    desk = get_user_model().objects.create_user(username="desk", is_staff=True)
    lines = [
        LineInput(description=f"Session {n}", unit_price=Decimal("45.00")) for n in range(LINES)
    ]

    def issued() -> "Invoice":
        draft = invoice_draft(patient=patient, lines=lines, created_by=desk)
        return invoice_issue(invoice=draft, issued_by=desk, now=NOW)

    def pay(invoices: "list[Invoice]", key: str) -> None:
        payment_take(
            patient=patient,
            method="card",
            amount=Decimal("225.00") * len(invoices),
            allocations=[Allocation(i.pk, Decimal("225.00")) for i in invoices],
            taken_by=desk,
            now=NOW,
            idempotency_key=key,
        )

    for n in range(HISTORY):
        pay([issued()], f"history-{n}")

    issue_times: list[float] = []
    pay_times: list[float] = []
    issue_queries = pay_queries = 0
    for n in range(RUNS):
        draft = invoice_draft(patient=patient, lines=lines, created_by=desk)
        with CaptureQueriesContext(connection) as queries:
            seconds, invoice = bench_booking.timed(
                lambda draft=draft: invoice_issue(invoice=draft, issued_by=desk, now=NOW)
            )
        issue_times.append(seconds)
        issue_queries = len(queries)
        second = issued()
        with CaptureQueriesContext(connection) as queries:
            seconds, _ = bench_booking.timed(
                lambda i=invoice, s=second, n=n: pay([i, s], f"run-{n}")
            )
        pay_times.append(seconds)
        pay_queries = len(queries)

    print(f"A patient with {HISTORY} paid invoices; {RUNS} runs each.")
    print("| operation | median | p95 | queries |")
    print("|---|---|---|---|")
    for label, times, count in [
        (f"`invoice_issue`, {LINES} lines", issue_times, issue_queries),
        ("`payment_take` across two invoices", pay_times, pay_queries),
    ]:
        median = bench_booking.ms(statistics.median(times)).strip()
        slow = bench_booking.ms(bench_booking.p95(times)).strip()
        print(f"| {label} | {median} ms | {slow} ms | {count} |")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    scratch_url = bench_booking.create_scratch_database(url)
    try:
        bench_booking.setup_django(scratch_url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        measure()
        connections.close_all()
    finally:
        bench_booking.drop_scratch_database(url)


if __name__ == "__main__":
    main()
