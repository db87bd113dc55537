# Staff mobiles encrypted at rest like the customers' (issue 19; core.fieldcrypt): the
# values already stored are encrypted here. Never searched, so no blind index.

import huifang.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0004_token_use"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="mobile",
            field=huifang.core.fieldcrypt.EncryptedTextField(
                blank=True, max_length=20, verbose_name="手机号"
            ),
        ),
        huifang.core.fieldcrypt.encrypt_existing({"org_user": {"mobile": None}}),
    ]
