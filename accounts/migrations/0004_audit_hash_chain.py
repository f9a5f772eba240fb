"""The audit trail's hash chain (accounts.audit_chain): sequence, previous_hash and entry_hash on
every entry. Entries written before this migration are chained here in id order (the order they
were written)."""

from django.db import migrations, models

CHUNK = 2000


def chain_existing_entries(apps, schema_editor):
    from accounts.audit_chain import GENESIS_HASH, compute_hash

    AuditLogEntry = apps.get_model("accounts", "AuditLogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    keys = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    sequence, previous_hash, batch = 0, GENESIS_HASH, []
    for entry in AuditLogEntry.objects.order_by("pk").iterator(chunk_size=CHUNK):
        sequence += 1
        entry.sequence = sequence
        entry.previous_hash = previous_hash
        entry.entry_hash = compute_hash(entry, keys[entry.content_type_id])
        previous_hash = entry.entry_hash
        batch.append(entry)
        if len(batch) >= CHUNK:
            AuditLogEntry.objects.bulk_update(batch, ["sequence", "previous_hash", "entry_hash"])
            batch = []
    AuditLogEntry.objects.bulk_update(batch, ["sequence", "previous_hash", "entry_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_approval_limit"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditlogentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditlogentry",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditlogentry",
            name="entry_hash",
            field=models.CharField(
                default="",
                editable=False,
                help_text="SHA-256 of the content and previous_hash.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
