"""The default questionnaires: one published version per built-in business type, from
``surveys/defaults/questionnaires.json`` (the question set of domain.md, "What a callback
asks").

Self-contained (historical models, the JSON read here) so it keeps doing what it did when
the code changes. A questionnaire whose code exists already is left as HQ edited it.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults" / "questionnaires.json"


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    QuestionnaireVersion = apps.get_model("surveys", "QuestionnaireVersion")
    BusinessType = apps.get_model("callbacks", "BusinessType")
    AuditEvent = apps.get_model("core", "AuditEvent")
    files = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    existing = set(Questionnaire.objects.values_list("code", flat=True))
    now = timezone.now()
    created = []
    for data in files:
        if data["code"] in existing:
            continue
        questionnaire = Questionnaire.objects.create(
            code=data["code"], title=data["title"], created_at=now, updated_at=now
        )
        questionnaire.business_types.set(
            BusinessType.objects.filter(name__in=data["business_types"])
        )
        QuestionnaireVersion.objects.create(
            questionnaire=questionnaire,
            number=1,
            status="published",
            title=data["title"],
            opening=data["opening"],
            closing=data["closing"],
            questions=data["questions"],
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        created.append(data["code"])
    if created:
        AuditEvent.objects.create(
            actor_label="migration",
            action="seed",
            object_type="surveys.questionnaire",
            object_repr="默认问卷",
            after={"codes": created},
            message=f"创建默认问卷：{'、'.join(created)}",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("callbacks", "0002_default_business_types"),
        ("core", "0002_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
