"""Checks behind /healthz: each answers {"ok": bool, ...} and never raises."""

import logging
import time
import uuid
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("pharmastock.health")


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
        result["ok"] = True
    except Exception as error:
        log.warning("health check failed: %s", error, exc_info=True)
        # The endpoint is public: name the failure, keep hosts and credentials in the log.
        result = {"ok": False, "error": type(error).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database(connection: Any) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def check_cache() -> dict[str, Any]:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def check_broker() -> dict[str, Any]:
    app = current_app
    if app.conf.task_always_eager:
        return {"mode": "in-process (eager)"}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"mode": "broker", "transport": app.conf.broker_url.split("://", 1)[0]}


def system_health(connection: Any) -> dict[str, Any]:
    checks = {
        "database": _timed(lambda: check_database(connection)),
        "cache": _timed(check_cache),
        "broker": _timed(check_broker),
    }
    status = "ok" if all(check["ok"] for check in checks.values()) else "degraded"
    return {"status": status, "checks": checks}
