"""The public booking flow through the real server (gunicorn, DEBUG=false, PostgreSQL)
with 1, 2 and 4 web workers, and a one-query page as the ceiling, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/bench_serve.py

DATABASE_URL only names the PostgreSQL server: the script creates a scratch database,
migrates it, loads the demo clinic, serves it, and drops it at the end. A flow is what a
visitor does: the times page, pick a time (hold), details, confirm, the confirmation page;
five requests, each with its session and CSRF cookies. CLIENTS threads run flows for
SECONDS against each worker count; the client runs on the same machine as the server.
"""

import datetime as dt
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SCRATCH_DB = "clinic_bench_serve"
PORT = int(os.environ.get("BENCH_PORT", "8832"))
WORKERS = (1, 2, 4)
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
TIMES_URL = "/book/initial-assessment/riverside/"
CEILING_URL = "/book/"  # one query: the bookable services

START = re.compile(r'name="start" value="(\d{8}T\d{4}Z)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Visitor:
    """One browser: its own cookies (sent back whatever their Secure flag: this is plain
    HTTP on the loopback), one connection per request as gunicorn's sync workers close
    each one."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, str | None, str]:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.getheader("Location"), text


def one_flow(n: int, rng: random.Random) -> str:
    """Book once; 'booked', 'taken' (lost the time to another visitor) or 'failed'."""
    visitor = Visitor()
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=rng.randrange(2, 50))
    day += dt.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)  # Monday
    query = urlencode({"practitioner": "any", "date": day.isoformat()})
    status, _, page = visitor.request("GET", f"{TIMES_URL}?{query}")
    if status != 200:
        return "failed: times page"
    starts = START.findall(page)
    token = CSRF.search(page)
    if not starts:
        return "no times"  # a closed day: counted, not a failure
    if token is None:
        return "failed: no CSRF token"
    csrf = token.group(1)
    start = rng.choice(starts)
    status, _, _ = visitor.request(
        "POST",
        f"{TIMES_URL}hold/",
        {"csrfmiddlewaretoken": csrf, "start": start, "practitioner": "any"},
    )
    if status == 409:
        return "taken"
    if status != 302:
        return f"failed: hold {status}"
    details = {
        "csrfmiddlewaretoken": csrf,
        "start": start,
        "practitioner": "any",
        "first_name": "Bench",
        "last_name": f"Visitor{n}",
        "email": f"bench{n}-{rng.randrange(10**9)}@example.com",
        "phone": "0113 496 0999",
        "date_of_birth": "1985-06-15",
    }
    status, _, _ = visitor.request("POST", f"{TIMES_URL}details/", details)
    if status != 302:
        return f"failed: details {status}"
    status, location, _ = visitor.request("POST", "/book/review/", {"csrfmiddlewaretoken": csrf})
    if status == 409:
        return "taken"
    if status != 302 or location != "/book/confirmed/":
        return f"failed: review {status}"
    status, _, page = visitor.request("GET", "/book/confirmed/")
    return "booked" if status == 200 else f"failed: confirmed {status}"


def load(work: Callable[[int, random.Random], str]) -> tuple[list[float], dict[str, int], float]:
    """Run `work` from CLIENTS threads for SECONDS; latencies (s), outcomes, elapsed."""
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def client(number: int) -> None:
        rng = random.Random(number)
        n = 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            outcome = work(number * 1_000_000 + n, rng)
            took = time.perf_counter() - began
            n += 1
            with lock:
                if outcome != "no times":
                    latencies.append(took)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, outcomes, time.perf_counter() - began


def ceiling_request(_n: int, _rng: random.Random) -> str:
    status, _, _ = Visitor().request("GET", CEILING_URL)
    return "ok" if status == 200 else "failed"


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1] if len(values) > 1 else 0


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def serve(env: dict[str, str], workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            GUNICORN,
            "clinic.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            if Visitor().request("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("The server did not start.")


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(server_url)
    scratch_url = urlunsplit(parts._replace(path=f"/{SCRATCH_DB}"))
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH_DB}")
    env = os.environ | {
        "DATABASE_URL": scratch_url,
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "MAILER": "locmem",
        "LOG_LEVEL": "WARNING",
        # One address sends every flow: lift the public limits out of the way.
        "CLINIC_HOLDS_PER_IP": "1000000",
        "CLINIC_LIVE_HOLDS_PER_IP": "1000000",
        "CLINIC_HOLDS_DAY_SHARE": "100",
        "CLINIC_BOOKINGS_PER_IP": "1000000",
        "CLINIC_BOOKINGS_PER_EMAIL": "1000000",
    }
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "demo_clinic", "--force")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        rows = []
        for workers in WORKERS:
            server = serve(env, workers)
            try:
                ceiling, _, ceiling_time = load(ceiling_request)
                flows, outcomes, flow_time = load(one_flow)
            finally:
                server.terminate()
                server.wait()
            rows.append((workers, ceiling, ceiling_time, flows, outcomes, flow_time))
            print(workers, "workers:", outcomes, file=sys.stderr)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")

    print(f"\n{CLIENTS} clients, {SECONDS:.0f} s per measurement, {os.cpu_count()} cores\n")
    print(
        "| workers | booking flows/s | flow p50 | flow p95 | booked / taken / failed "
        "| one-query page req/s | page p50 | page p95 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for workers, ceiling, ceiling_time, flows, outcomes, flow_time in rows:
        done = outcomes.get("booked", 0) + outcomes.get("taken", 0)
        failed = sum(count for outcome, count in outcomes.items() if outcome.startswith("failed"))
        print(
            f"| {workers} | {done / flow_time:.1f} | {statistics.median(flows) * 1000:.0f} ms "
            f"| {percentile(flows, 0.95) * 1000:.0f} ms "
            f"| {outcomes.get('booked', 0)} / {outcomes.get('taken', 0)} / "
            f"{failed} "
            f"| {len(ceiling) / ceiling_time:.0f} | {statistics.median(ceiling) * 1000:.0f} ms "
            f"| {percentile(ceiling, 0.95) * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
