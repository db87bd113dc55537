# E-mails encrypted at rest like the other personal columns, with a blind index for the
# customer list's exact search and the importers' change detection (issue 19;
# core.fieldcrypt): the values already stored are encrypted and indexed here.

import huifang.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_customer_personal_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="email_bidx",
            field=huifang.core.fieldcrypt.BlindIndexField(db_index=True, source="email"),
        ),
        migrations.AlterField(
            model_name="customer",
            name="email",
            field=huifang.core.fieldcrypt.EncryptedTextField(
                blank=True, max_length=200, verbose_name="电子邮箱"
            ),
        ),
        huifang.core.fieldcrypt.encrypt_existing({"customers_customer": {"email": "email_bidx"}}),
    ]
