"""Mask the personal data already stored in audit rows' before/after (issue 15).

Rows written before the audit actions declared their sensitive fields may hold ID
numbers, mobiles, phones, e-mails and addresses in clear (customer imports did). The
database picks the rows that carry any such key (``has_key``, one indexed-free scan on
SQLite and PostgreSQL alike); only those are read, masked in Python with the same mask
functions the writer uses and written back in batches. A value already masked stays as it
is, so running it again changes nothing. Not reversible: the clear values are gone.
"""

from functools import reduce
from operator import or_

from django.db import migrations
from django.db.models import Q

from huifang.core.masking import mask_address, mask_email, mask_id, mask_phone

# Frozen here: what the apps' audit actions declare sensitive on the day of this migration.
MASKS = {
    "id_number": mask_id,
    "mobile": mask_phone,
    "phone": mask_phone,
    "email": mask_email,
    "mobile_used": mask_phone,
    "phone_used": mask_phone,
    "address": mask_address,
}
CHUNK = 2000


def _masked(values):
    if not isinstance(values, dict):
        return values
    return {
        key: MASKS[key](value)
        if key in MASKS and isinstance(value, str) and value and "*" not in value
        else value
        for key, value in values.items()
    }


def mask_stored(apps, schema_editor=None) -> int:
    """Mask every stored audit row's sensitive values; returns how many rows changed."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    carries = reduce(or_, (Q(before__has_key=k) | Q(after__has_key=k) for k in MASKS))
    # A plain manager: the model's own refuses updates (the log is append-only for the app).
    rows = AuditEvent._base_manager.filter(carries).only("pk", "before", "after").order_by("pk")
    changed, total = [], 0
    for event in rows.iterator(chunk_size=CHUNK):
        before, after = _masked(event.before), _masked(event.after)
        if (before, after) != (event.before, event.after):
            event.before, event.after = before, after
            changed.append(event)
        if len(changed) >= CHUNK:
            total += _write(AuditEvent, changed)
            changed = []
    return total + _write(AuditEvent, changed)


def _write(AuditEvent, events) -> int:
    if events:
        AuditEvent._base_manager.bulk_update(events, ["before", "after"], batch_size=500)
    return len(events)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_calendar_import_source"),
    ]

    operations = [
        migrations.RunPython(mask_stored, migrations.RunPython.noop, elidable=True),
    ]
