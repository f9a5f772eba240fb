"""The nightly jobs now run as one chain (optimization.nightly) from one beat entry declared in
config/schedules.py. This removes the separate schedules the chain replaces, so no step runs
twice; migrating back restores them as they were."""

from django.db import migrations

# (name, task, minute, hour, day_of_week): the rows the earlier data migrations created.
REPLACED = [
    ("Write off expired lots", "inventory.write_off_expired_lots", "15", "0", "*"),
    ("Refresh stock positions", "suppliers.refresh_stock_positions", "0", "1", "*"),
    ("ABC-XYZ classification", "inventory.classify_abc_xyz", "30", "1", "1"),
    ("Nightly lead-time estimates", "forecasting.tasks.refresh_lead_time_estimates", "30", "1", "*"),
    ("Nightly forecast run", "forecasting.tasks.nightly_forecast_run", "0", "2", "*"),
    ("Nightly replenishment plan", "optimization.tasks.nightly_plan_run", "30", "4", "*"),
    ("Nightly overview dashboard", "alerts.tasks.refresh_dashboard", "0", "5", "*"),
]


def remove_replaced(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in REPLACED]).delete()


def restore_replaced(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week in REPLACED:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


class Migration(migrations.Migration):
    dependencies = [
        ("optimization", "0004_plan_schedule"),
        ("forecasting", "0006_lead_time_schedule"),
        ("suppliers", "0003_nightly_inventory_schedules"),
        ("alerts", "0004_dashboard_snapshots"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(remove_replaced, restore_replaced)]
