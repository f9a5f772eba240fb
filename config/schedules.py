"""Every periodic job, declared here and nowhere else (config/celery.py installs them as the
beat schedule).

django-celery-beat's DatabaseScheduler writes these entries into its tables by name each time
beat starts, so an entry keeps the name its row already has; the admin shows them, and a
change made there lasts until the next start. The night is one entry: the chain in
optimization.nightly runs its steps one after another (lead times, forecast, policies, plan,
alerts, overview)."""

from datetime import timedelta
from typing import Any

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "Nightly chain": {
        "task": "optimization.tasks.nightly_chain",
        "schedule": crontab(minute="15", hour="0"),
    },
    "Alert rules every 15 minutes": {
        "task": "alerts.tasks.evaluate_alerts",
        "schedule": timedelta(minutes=15),
    },
    "Monthly supplier scorecards": {
        "task": "suppliers.tasks.monthly_scorecards",
        "schedule": crontab(minute="0", hour="3", day_of_month="1"),
    },
}
