"""The default alert thresholds (one row an admin edits)."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("alerts", "AlertSettings").objects.get_or_create(name="default")


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_alerts")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
