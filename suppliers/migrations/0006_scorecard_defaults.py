"""The default scorecard weights, and the monthly scorecard job as a django-celery-beat
schedule an admin can edit or disable (03:00 UTC on the first of each month, for the month
just ended)."""

from django.db import migrations

NAME = "Monthly supplier scorecards"


def create(apps, schema_editor):
    apps.get_model("suppliers", "ScorecardWeights").objects.get_or_create(name="default")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="1", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "suppliers.tasks.monthly_scorecards", "crontab": crontab}
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0005_portal_and_scorecards"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
