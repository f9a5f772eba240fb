"""Nightly inventory jobs, as django-celery-beat schedules an admin can edit or disable."""

from django.db import migrations

SCHEDULES = [
    # (name, task, minute, hour, day_of_week)
    ("Write off expired lots", "inventory.write_off_expired_lots", "15", "0", "*"),
    ("Refresh stock positions", "suppliers.refresh_stock_positions", "0", "1", "*"),
    ("ABC-XYZ classification", "inventory.classify_abc_xyz", "30", "1", "1"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month="*",
            month_of_year="*", timezone="UTC",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0002_field_validators"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
