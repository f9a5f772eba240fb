from django.db import migrations

ROLE = "warehouse"


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=ROLE)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ROLE).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_security_event_kinds")]

    operations = [migrations.RunPython(create_role, remove_role)]
