# Mobiles encrypted at rest, with blind indexes (issue 19; core.fieldcrypt).

import huifang.core.fieldcrypt
from django.db import migrations

TABLES = ("sms_smsmessage", "sms_smsoptout")



class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsmessage",
            name="mobile_bidx",
            field=huifang.core.fieldcrypt.BlindIndexField(db_index=True, source="mobile"),
        ),
        # Unique only once filled: every existing row starts with the empty index.
        migrations.AddField(
            model_name="smsoptout",
            name="mobile_bidx",
            field=huifang.core.fieldcrypt.BlindIndexField(source="mobile"),
        ),
        migrations.AlterField(
            model_name="smsmessage",
            name="mobile",
            field=huifang.core.fieldcrypt.EncryptedTextField(max_length=20, verbose_name="手机号"),
        ),
        migrations.AlterField(
            model_name="smsoptout",
            name="mobile",
            field=huifang.core.fieldcrypt.EncryptedTextField(max_length=20, verbose_name="手机号"),
        ),
        huifang.core.fieldcrypt.encrypt_existing(dict.fromkeys(TABLES, {"mobile": "mobile_bidx"})),
        migrations.AlterField(
            model_name="smsoptout",
            name="mobile_bidx",
            field=huifang.core.fieldcrypt.BlindIndexField(source="mobile", unique=True),
        ),
    ]
