"""/healthz, for load balancers and monitoring."""

import datetime as dt

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from clinic.models import WorkerHeartbeat

# A worker beats every 30 seconds; four missed beats and it counts as stopped.
WORKER_STALE_AFTER = dt.timedelta(minutes=2)

# Once every migration is applied, it stays so for the life of the process (a deploy
# restarts it), so the migration graph is read from disk until then only.
_applied: set[str] = set()


def _migrations_applied() -> bool:
    if not _applied:
        executor = MigrationExecutor(connection)
        if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
            _applied.add(connection.alias)
    return bool(_applied)


@never_cache
def healthz(_request: HttpRequest) -> JsonResponse:
    """200 when this web process can serve: the database answers and every migration is
    applied; else 503. The task worker's last heartbeat is reported, not judged: a stopped
    worker delays emails but must not take the pages out of the load balancer, so
    monitoring alerts on ``"worker": "stale"`` instead."""
    report: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
        report["migrations"] = "ok" if _migrations_applied() else "pending"
        last = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    except DatabaseError:
        report["database"] = "unreachable"
        return JsonResponse(report, status=503)
    fresh = last is not None and timezone.now() - last < WORKER_STALE_AFTER
    report["worker"] = "ok" if fresh else "stale"
    report["worker_last_seen"] = last.isoformat() if last else None
    return JsonResponse(report, status=200 if report["migrations"] == "ok" else 503)
