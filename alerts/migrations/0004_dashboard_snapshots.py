"""Snapshot tables of the overview dashboard, and its nightly refresh as a django-celery-beat
schedule an admin can edit or disable: at 05:00 UTC, after the nightly stock-position refresh
(01:00) and the plan run (04:30)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

NAME = "Nightly overview dashboard"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="5", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "alerts.tasks.refresh_dashboard", "crontab": crontab}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_evaluation_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="DashboardSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "as_of",
                    models.DateField(
                        help_text="Figures cover the days before this date.", unique=True
                    ),
                ),
                ("computed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                (
                    "inventory_value",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        help_text="Units held at unit cost.",
                        max_digits=18,
                    ),
                ),
                ("inventory_units", models.BigIntegerField(default=0)),
                ("positions", models.PositiveIntegerField(default=0)),
                (
                    "projected_waste_value",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        help_text="Released units the position refresh projects to expire before use.",
                        max_digits=18,
                    ),
                ),
                ("abc_xyz", models.JSONField(blank=True, default=list)),
                ("status_by_category", models.JSONField(blank=True, default=list)),
                ("status_by_zone", models.JSONField(blank=True, default=list)),
                ("expiry_by_month", models.JSONField(blank=True, default=list)),
                ("by_site", models.JSONField(blank=True, default=list)),
                ("consumption_trend", models.JSONField(blank=True, default=list)),
            ],
            options={
                "ordering": ["-as_of"],
                "get_latest_by": "as_of",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("inventory_units__gte", 0), ("inventory_value__gte", 0)
                        ),
                        name="dashboard_inventory_not_negative",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="KpiSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("window_days", models.PositiveSmallIntegerField()),
                ("start_date", models.DateField()),
                ("end_date", models.DateField(help_text="Last day of the window (included).")),
                ("units_asked", models.BigIntegerField(default=0)),
                ("units_served", models.BigIntegerField(default=0)),
                (
                    "fill_rate",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=7, null=True),
                ),
                ("sku_site_days", models.BigIntegerField(default=0)),
                ("stockout_days", models.BigIntegerField(default=0)),
                (
                    "stockout_rate",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=7, null=True),
                ),
                (
                    "average_inventory_value",
                    models.DecimalField(decimal_places=2, default=0, max_digits=18),
                ),
                (
                    "cogs_issued",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        help_text="Cost of goods issued in the window.",
                        max_digits=18,
                    ),
                ),
                (
                    "turnover",
                    models.DecimalField(blank=True, decimal_places=3, max_digits=12, null=True),
                ),
                ("carrying_cost", models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ("expired_value", models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ("expired_units", models.BigIntegerField(default=0)),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="kpis",
                        to="alerts.dashboardsnapshot",
                    ),
                ),
            ],
            options={
                "ordering": ["snapshot", "window_days"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("snapshot", "window_days"), name="kpi_one_per_snapshot_window"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("window_days__gt", 0)), name="kpi_window_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("fill_rate__isnull", True),
                            models.Q(("fill_rate__gte", 0), ("fill_rate__lte", 1)),
                            _connector="OR",
                        ),
                        name="kpi_fill_rate_share",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("stockout_rate__isnull", True),
                            models.Q(("stockout_rate__gte", 0), ("stockout_rate__lte", 1)),
                            _connector="OR",
                        ),
                        name="kpi_stockout_rate_share",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("units_served__lte", models.F("units_asked"))),
                        name="kpi_served_within_asked",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
