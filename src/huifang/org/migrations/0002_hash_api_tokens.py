"""API tokens stored hashed (issue 19): each token made before this migration is kept
under its hash, so existing integrations keep working and the database holds no usable
token from now on."""

import hashlib

from django.db import migrations


def hash_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    for token in list(Token.objects.all()):
        hashed = hashlib.sha256(token.key.encode()).hexdigest()[:40]
        user_id, created = token.user_id, token.created
        token.delete()
        Token.objects.create(key=hashed, user_id=user_id)
        Token.objects.filter(key=hashed).update(created=created)  # its age, not today's


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(hash_tokens, migrations.RunPython.noop)]
