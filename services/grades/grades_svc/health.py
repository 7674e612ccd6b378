"""Probes: /healthz says the process answers; /readyz says it can serve (database usable, schema current)."""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

from .models import Grade
from .readonly import read_only

# Once the schema was current it stays current for this process; later probes only touch the table.
_schema_current = False


def _pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


@read_only
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@read_only
def readyz(request: HttpRequest) -> JsonResponse:
    global _schema_current
    try:
        if not _schema_current:
            pending = _pending_migrations()
            if pending:
                return JsonResponse({"status": "unavailable", "pending_migrations": pending}, status=503)
            _schema_current = True
        Grade.objects.exists()
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
