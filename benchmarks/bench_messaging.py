"""How long the messaging features take on a clinic with a long history of texts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/bench_messaging.py

Works in its own scratch database (benchmarks/scratch.py). Seeds 5,000 patients, 40,000
past sessions, 200,000 texts (one patient with 2,000, one with 10, 100 busy patients with
1,000 each and a booking ahead), 20,000 replies and 2,000 open episodes (then 500), then
times each operation: median, p95 and the statements one call sends (300 runs; due_recalls
10, as it takes seconds). Texts go to the locmem backend,
then through Twilio's own client over HTTP to the local stand-in (bin/sms_standin.py):
nothing leaves this machine. Emails use plain static storage (no collectstatic manifest).
"""

import datetime as dt
import itertools
import statistics
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402

SCRATCH_DB = "clinic_bench_messaging"
RUNS, RECALL_RUNS = 300, 10
PATIENTS, HISTORY, TEXTS, REPLIES, EPISODES, BUSY = 5_000, 40_000, 200_000, 20_000, 2_000, 100
ZONE = zoneinfo.ZoneInfo("Europe/London")
# Midday in London, whatever the hour the script runs: no text waits for quiet hours. In
# UTC, so that adding minutes is exact across the clock changes.
NOON = dt.datetime.combine(dt.datetime.now(ZONE).date(), dt.time(12), tzinfo=ZONE).astimezone(
    dt.UTC
)
ACCOUNT_SID, AUTH_TOKEN, FROM = "AC" + "0" * 31 + "1", "bench-token", "+447400000100"
BODY = "Reminder: Tue 8 Dec, 14:30 at Riverside. Reply C to confirm, X to cancel."


def number(n: int) -> str:
    return f"+447400{100_000 + n:06d}"


def seed() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from booking.models import Appointment, AppointmentStatus, Practitioner, Service
    from clinic.models import Location, Room
    from messaging.models import InboundText, ReplyAction, TextMessage, TextState
    from patients.models import ContactMethod, Episode, Patient

    place = Location.objects.create(name="Riverside", slug="r", address="1", time_zone=ZONE.key)
    room = Room.objects.create(location=place, name="Room 1")
    service = Service.objects.create(
        name="Follow-up", slug="f", duration_minutes=30, price="50.00", recall_after_days=42
    )
    user = get_user_model().objects.create_user(username="practitioner")
    practitioner = Practitioner.objects.create(user=user, slug="p", title="Physio")
    person: dict[str, Any] = {"last_name": "Bench", "date_of_birth": dt.date(1980, 1, 1)}
    patients = Patient.objects.bulk_create(
        Patient(first_name=f"P{n}", email=f"p{n}@example.com", phone=number(n), **person)
        for n in range(PATIENTS)
    )
    Patient.objects.update(preferred_contact=ContactMethod.SMS)
    slot: dict[str, Any] = {"practitioner": practitioner, "service": service, "room": room}
    references = itertools.count()  # random ones would collide among 42,000

    def session(patient: int, start: dt.datetime, status: str) -> Appointment:
        end = start + dt.timedelta(minutes=30)
        return Appointment(
            patient=patients[patient], start=start, end=end, occupied_until=end, status=status,
            location=place, source="front_desk", reference=f"R{next(references)}", **slot,
        )  # fmt: skip

    # One practitioner and one room, sessions 31 or more minutes apart: no overlaps. The
    # busy patients have a booking ahead (what their "C" confirms); each episode's patient
    # a completed session 1 to 120 days ago (a 42-day recall: about two in three are due);
    # the other patients older sessions.
    done = AppointmentStatus.COMPLETED
    upcoming = Appointment.objects.bulk_create(
        session(2 + n, NOON + dt.timedelta(days=3, hours=n), AppointmentStatus.CONFIRMED)
        for n in range(BUSY)
    )
    older = NOON - dt.timedelta(days=130)
    Appointment.objects.bulk_create(
        [session(n, NOON - dt.timedelta(days=1, minutes=86 * n), done) for n in range(EPISODES)]
        + [session(EPISODES + n % 3_000, older - dt.timedelta(minutes=31 * n), done)
           for n in range(HISTORY)],
        batch_size=5_000,
    )  # fmt: skip
    Episode.objects.bulk_create(
        Episode(patient=patients[n], complaint="Bench", started_on=dt.date(2020, 1, 1))
        for n in range(EPISODES)
    )
    # Texts: patient 0 has 2,000, patient 1 has 10, the busy ones 1,000 each and, latest,
    # the reminder of their booking (sent); the other patients share the rest.
    owners = [0] * 2_000 + [1] * 10 + [2 + n // 1_000 for n in range(BUSY * 1_000)]
    rest = range(2 + BUSY, PATIENTS)
    owners += [rest[n % len(rest)] for n in range(TEXTS - BUSY - len(owners))]
    states = [TextState.DELIVERED] * 8 + [TextState.FAILED, TextState.NOT_SENT]
    plan: list[tuple[int, Appointment | None, str]] = [
        (p, None, states[n % len(states)]) for n, p in enumerate(owners)
    ]
    plan += [(2 + n, a, TextState.SENT) for n, a in enumerate(upcoming)]
    text: dict[str, Any] = {"kind": "reminder", "body": BODY, "send_after": NOON}
    TextMessage.objects.bulk_create(
        (TextMessage(patient=patients[p], appointment=a, to=number(p), state=state, **text)
         for p, a, state in plan),
        batch_size=5_000,
    )  # fmt: skip
    # Most replies settled by a keyword; of those for the desk, a few still unhandled.
    actions = [ReplyAction.CONFIRMED] * 15 + [ReplyAction.STOP, ReplyAction.FOR_DESK] * 2
    InboundText.objects.bulk_create(
        (InboundText(
            provider_id=f"SMseed{n}", from_number=number(n % PATIENTS),
            patient=patients[n % PATIENTS], body="C", received_at=NOON - dt.timedelta(days=2),
            action=actions[n % len(actions)],
            handled_at=None if n % 40 == 19 else NOON - dt.timedelta(days=1),
        ) for n in range(REPLIES)),
        batch_size=5_000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        # created_at is set on insert: spread it over the year before today, the bookings'
        # reminders the latest, so none counts towards today's limit.
        cursor.execute(
            "UPDATE messaging_textmessage SET created_at = %s - interval '1 minute' * "
            "(CASE WHEN appointment_id IS NULL THEN 60 + (id * 7919) %% 525000 ELSE 1 END)",
            [NOON.astimezone(ZONE).replace(hour=0)],
        )
        cursor.execute("ANALYZE")


Figures = tuple[float, float, int]


def timed(call: Callable[[int], object], runs: int = RUNS) -> Figures:
    """(median ms, p95 ms, statements) of ``runs`` calls; the statements of one more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    took = []
    for n in range(runs):
        began = time.perf_counter()
        call(n)
        took.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call(runs)
    return statistics.median(took), statistics.quantiles(took, n=20)[18], len(queries)


def row(label: str, figures: Figures) -> None:
    median, p95, statements = figures
    print(f"| {label} | {median:.2f} ms | {p95:.2f} ms | {statements} |", flush=True)


def twilio_standin() -> tuple[str, subprocess.Popen[str]]:
    """bin/sms_standin.py on a free port, as tests/standins.py starts it. Its receipts
    wait an hour, so none is posted while the script runs."""
    arguments = ["--port", "0", "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN]
    arguments += ["--callback-delay", "3600"]
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bin" / "sms_standin.py"), *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if "ready at " not in line:
        process.kill()
        sys.exit(f"The SMS stand-in did not start: {line!r}")
    return line.split("ready at ")[1].strip(), process


def measure() -> None:
    from django.conf import settings
    from django.test import override_settings

    from booking.selectors.recalls import due_recalls
    from messaging.models import MessageTemplate, TextMessage, TextState
    from messaging.rendering import Action, Card, render_message
    from messaging.replies import reply_receive
    from messaging.selectors import texts_panel, unhandled_replies
    from messaging.services.texts import queue_text
    from messaging.tasks import text_deliver
    from patients.models import Episode, EpisodeStatus, Patient

    static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    override_settings(STORAGES=settings.STORAGES | static).enable()
    settings.TEXTERS = {"default": {"BACKEND": "messaging.backends.locmem.TextBackend"}}
    heavy, light, *others = Patient.objects.order_by("pk")
    busy, quiet = others[:BUSY], others[BUSY:]
    context = {
        "first_name": "Ada", "when": "Tue 8 Dec, 14:30", "place": "Riverside",
        "practitioner": "Sam Lee", "service": "Follow-up", "link": "https://clinic.example/m/x",
        "pre_visit_link": "https://clinic.example/v/y",
    }  # fmt: skip
    action = Action("Change or cancel your appointment", context["link"])
    card = Card("Follow-up", "Sam Lee", "Tuesday 8 December 2026, 14:30 to 15:00", "Riverside")

    def email(_n: int) -> object:
        return render_message("reminder", "email", context, action=action, cards=[card])

    def queued() -> list[int]:
        texts = TextMessage.objects.filter(state=TextState.QUEUED).order_by("pk")
        return list(texts.values_list("pk", flat=True))

    def reply(body: str, tag: str) -> Callable[[int], object]:
        def receive(n: int) -> object:
            sender = busy[n % BUSY].phone.as_e164
            return reply_receive(
                provider_id=f"SM{tag}{n}", number=sender, raw_from=sender, body=body, now=NOON
            )

        return receive

    row("render_message, reminder email, default wording", timed(email))
    MessageTemplate.objects.create(
        kind="reminder", channel="email", subject="See you {{ when }}",
        body="Hello {{ first_name }},\n\nSee you on {{ when }} at {{ place }} with "
        "{{ practitioner }}.\n\nChange it: {{ link }}\n\n{{ clinic_name }}, {{ clinic_phone }}",
    )  # fmt: skip
    row("render_message, reminder email, manager's wording", timed(email))
    text = timed(lambda _n: render_message("reminder", "text", context))
    row("render_message, reminder text", text)
    # Each busy patient three or four times: under the daily limit, so each text is queued.
    queueing = timed(lambda n: queue_text(busy[n % BUSY], kind="reminder", body=BODY, now=NOON))
    row(f"queue_text, patients with 1,000 texts, {BUSY} in turn", queueing)
    ids = queued()
    row("text_deliver, locmem", timed(lambda n: text_deliver(message_id=ids[n], now=NOON)))
    url, process = twilio_standin()
    try:
        settings.TEXTERS = {"default": {"BACKEND": "messaging.backends.twilio.TextBackend"}}
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, AUTH_TOKEN
        settings.TWILIO_FROM, settings.TWILIO_API_BASE = FROM, url
        settings.SITE_URL = "http://127.0.0.1:9"  # never asked: the receipts wait an hour
        for patient in quiet[: RUNS + 1]:
            queue_text(patient, kind="reminder", body=BODY, now=NOON)
        ids = queued()
        twilio = timed(lambda n: text_deliver(message_id=ids[n], now=NOON))
        row("text_deliver, Twilio client over HTTP to the stand-in", twilio)
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()
    # Three or four replies per busy number: under the ten an hour that are answered.
    row('reply_receive, "C" confirms the booking', timed(reply("C", "c")))
    row("reply_receive, a question for the desk", timed(reply("Parking?", "q")))
    row("texts_panel, 2,000 texts", timed(lambda _n: texts_panel(heavy)))
    row("texts_panel, 10 texts", timed(lambda _n: texts_panel(light)))
    row("unhandled_replies (the desk's count)", timed(lambda _n: unhandled_replies()))
    for keep in (1, 4):  # every episode open, then one in four (the rest discharged)
        episodes = Episode.objects.order_by("pk").values_list("pk", flat=True)
        Episode.objects.filter(pk__in=[pk for n, pk in enumerate(episodes) if n % keep]).update(
            status=EpisodeStatus.DISCHARGED, discharged_on=NOON.date()
        )
        due, open_episodes = len(due_recalls(now=NOON)), EPISODES // keep
        recalls = timed(lambda _n: due_recalls(now=NOON), runs=RECALL_RUNS)
        row(f"due_recalls, {open_episodes:,} open episodes, {due:,} due", recalls)


def main() -> None:
    with scratch_database(SCRATCH_DB):
        from messaging.models import InboundText, TextMessage, TextState
        from messaging.selectors import unhandled_replies

        began = time.perf_counter()
        seed()
        print(
            f"Seeded in {time.perf_counter() - began:.0f} s: {PATIENTS:,} patients, "
            f"{HISTORY + EPISODES + BUSY:,} sessions, {TextMessage.objects.count():,} texts, "
            f"{InboundText.objects.count():,} replies ({unhandled_replies()} waiting for the "
            f"desk), {EPISODES:,} open episodes. {RUNS} runs each, due_recalls {RECALL_RUNS}."
        )
        print("| operation | median | p95 | statements |\n|---|---|---|---|")
        measure()
        sent = TextMessage.objects.filter(state=TextState.SENT)
        confirmed = InboundText.objects.filter(provider_id__startswith="SMc", action="confirmed")
        print(
            f"Checks: {sent.filter(provider_id__startswith='locmem-').count()} texts sent to "
            f"locmem, {sent.filter(provider_id__startswith='SM').count()} to the stand-in, "
            f"{TextMessage.objects.filter(reason__startswith='daily').count()} over the daily "
            f'limit; {confirmed.count()} "C" replies confirmed a booking.'
        )


if __name__ == "__main__":
    main()
