from celery import shared_task
from django.utils import timezone


@shared_task(name="accounts.diagnostics.ping", bind=True)
def ping(self, payload: str = "pong") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Proves the wiring end to end: a worker took the task and its result was stored."""
    return {
        "reply": payload,
        "worker": self.request.hostname or "in-process",
        "at": timezone.now().isoformat(),
    }
