"""Counting attempts per key in a sliding window, in the database (clinic.RateLimitHit).

Exact under concurrency (decision 0081): the count and the new hits are one transaction
that first takes a lock per key, so simultaneous attempts against one key are counted one
after another, in every process sharing the database. PostgreSQL takes a transaction-
scoped advisory lock per key (nothing outlives the transaction, as PgBouncer's transaction
mode needs); SQLite's IMMEDIATE transactions already let one writer in at a time.
"""

import datetime as dt
import hashlib

from django.db import connection, transaction

from clinic.models import RateLimitHit

type _Param = str | int | dt.datetime | None

# Failed staff sign-ins (passwords and second-factor codes) are counted over this window.
LOGIN_WINDOW = dt.timedelta(minutes=15)


# Hits are kept this long, longer than any window a caller counts over, so a check with a
# short window (staff sign-in, 15 minutes) never clears the hits a longer one (the portal's
# hour) still counts. Whoever checks next clears what is older, a batch at a time, so one
# check never pays for a day of hits.
RETENTION = dt.timedelta(days=1)
PRUNE_BATCH = 200

# The first half of every advisory lock the limiter takes, so its locks never meet another
# part of the clinic's (those take one 64-bit key, a separate space in PostgreSQL).
_LOCK_SPACE = 0x52_4C_48  # "RLH"


def key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _lock_ids(keys: list[str]) -> list[int]:
    """One signed 32-bit id per key, sorted: every check takes its locks in one order, so
    two checks sharing two keys cannot wait for each other."""
    return sorted({int.from_bytes(bytes.fromhex(k[:8]), "big", signed=True) for k in keys})


def _table() -> tuple[str, str, str, str]:
    quote = connection.ops.quote_name
    return (
        quote(RateLimitHit._meta.db_table),
        quote("id"),
        quote("key"),
        quote("created_at"),
    )


def lock(keys: list[str]) -> None:
    """Inside a transaction: wait for every other transaction that locked one of these keys
    to end. PostgreSQL takes the locks in the order of the sorted array (a function scan
    keeps it); SQLite needs none."""
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already holds the write lock
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, k) FROM unnest(%s::integer[]) AS k",
            [_LOCK_SPACE, _lock_ids(keys)],
        )


def _prune_sql(cutoff: dt.datetime) -> tuple[str, list[_Param]]:
    table, id_, _, created = _table()
    skip = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"DELETE FROM {table} WHERE {id_} IN (SELECT {id_} FROM {table} "
        f"WHERE {created} < %s ORDER BY {created} LIMIT %s{skip})"
    )
    return sql, [_stored(cutoff), PRUNE_BATCH]


def _stored(moment: dt.datetime) -> str | dt.datetime | None:
    """A time as the database stores it (SQLite: naive UTC text, as the ORM writes it)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _count_and_record(
    limits: dict[str, int], *, now: dt.datetime, window: dt.timedelta
) -> list[int] | None:
    """One statement: a hit per key, inserted only if no key already has its limit of hits
    in the window. On PostgreSQL the same statement clears a batch of old hits, skipping
    any another check is clearing."""
    table, id_, key_, created = _table()
    rows = ", ".join(["(%s, %s)"] * len(limits))
    values: list[_Param] = [v for pair in limits.items() for v in pair]
    prune, prune_params = _prune_sql(now - max(window, RETENTION))
    pruning = ""
    if connection.vendor == "postgresql":
        pruning = f", pruned AS ({prune})"
    else:
        with connection.cursor() as cursor:
            cursor.execute(prune, prune_params)
        prune_params = []
    sql = (
        f"WITH quota (k, most) AS (VALUES {rows}){pruning} "
        f"INSERT INTO {table} ({key_}, {created}) SELECT quota.k, %s FROM quota "
        "WHERE NOT EXISTS (SELECT 1 FROM quota AS q WHERE q.most <= "
        f"(SELECT COUNT(*) FROM {table} AS hit WHERE hit.{key_} = q.k AND hit.{created} >= %s)) "
        f"RETURNING {id_}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *prune_params, _stored(now), _stored(now - window)])
        hits = [row[0] for row in cursor.fetchall()]
    return hits or None


def reserve(limits: dict[str, int], *, now: dt.datetime, window: dt.timedelta) -> list[int] | None:
    """Count this attempt against every key: the new hits' ids (to give back with
    `release` if the attempt turns out not to count), or None, counting nothing, once any
    key has its limit of hits in the window. Two queries on PostgreSQL."""
    if not limits:
        return []
    # No savepoint: the lock is the transaction's, and the statement either inserts every
    # hit or none.
    with transaction.atomic(savepoint=False):
        lock(list(limits))
        return _count_and_record(limits, now=now, window=window)


def allow(limits: dict[str, int], *, now: dt.datetime, window: dt.timedelta) -> bool:
    """Count this attempt against every key; False (and not counted) once any is over."""
    return reserve(limits, now=now, window=window) is not None


def release(hits: list[int]) -> None:
    """Give back an attempt's hits: a staff sign-in that succeeded is not a failure."""
    if hits:
        RateLimitHit.objects.filter(pk__in=hits).delete()


PUBLIC_WINDOW = dt.timedelta(hours=1)


def public_limits(
    kind: str, *, ip: str, email: str = "", per_ip: int, per_email: int = 0
) -> dict[str, int]:
    limits = {key(f"{kind}-ip", ip): per_ip}
    if email and per_email:
        limits[key(f"{kind}-email", email.strip().lower())] = per_email
    return limits


def public_write_allowed(
    kind: str, *, ip: str, email: str = "", per_ip: int, per_email: int = 0, now: dt.datetime
) -> bool:
    """Count one public write (a hold, a booking, a waitlist sign-up) against the visitor's
    address and, if given, the email it is for; False once either is over its hourly limit."""
    limits = public_limits(kind, ip=ip, email=email, per_ip=per_ip, per_email=per_email)
    return allow(limits, now=now, window=PUBLIC_WINDOW)
