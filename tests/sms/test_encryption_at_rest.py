"""Mobiles of queued messages and of the opt-out list are encrypted at rest and found
through their blind index (issue 19; ``core.fieldcrypt``)."""

from __future__ import annotations

from django.db import connection

from huifang.channels.sms import services
from huifang.channels.sms.filtersets import OptOutFilterSet
from huifang.channels.sms.models import SmsMessage, SmsOptOut
from huifang.core import fieldcrypt
from tests.sms.conftest import at


def column(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def test_a_queued_messages_mobile_is_ciphertext_in_the_database(task, queue):
    queue(task, now=at(22))
    (stored,) = column("SELECT mobile FROM sms_smsmessage")
    assert stored.startswith(fieldcrypt.PREFIX)
    assert SmsMessage.objects.get().mobile == "13812345678"


def test_an_opted_out_number_is_ciphertext_and_opting_out_twice_keeps_one_row(db):
    services.do_opt_out("13812345678")
    services.do_opt_out("+86 138 1234 5678")
    assert SmsOptOut.objects.count() == 1
    (stored,) = column("SELECT mobile FROM sms_smsoptout")
    assert stored.startswith(fieldcrypt.PREFIX)


def test_the_opt_out_list_finds_a_whole_number(db):
    services.do_opt_out("13812345678")
    services.do_opt_out("13900001111")
    found = OptOutFilterSet({"mobile": "13900001111"}, queryset=SmsOptOut.objects.all()).qs
    assert [entry.mobile for entry in found] == ["13900001111"]
