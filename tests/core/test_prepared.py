"""``core.prepared.Prepared``: a query compiled once gives what its queryset gives (model
instances with every field converted, ``values_list`` tuples and flat values, JSON, aware
datetimes), refuses what it cannot prepare, and keeps ``select_for_update``'s rule; every
prepared query of the code base compiles on the database under test."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from huifang.core.prepared import Prepared
from huifang.partners.models import PartnerEvent

# Where the code base declares its prepared queries (importing registers them).
MODULES = [
    "huifang.partners.models",
    "huifang.callbacks.records.services",
    "huifang.channels.calls.services",
    "huifang.surveys.api",
    "huifang.surveys.writeback",
]


def fields_of(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.fixture
def partner(db):
    from tests.partners.helpers import make_partner

    partner, _ = make_partner("掌厅甲")
    return partner


def test_instances_equal_the_querysets(partner):
    from huifang.partners.models import PARTNER_BY_KEY, Partner

    moment = timezone.now().replace(microsecond=123456)
    Partner.objects.filter(pk=partner.pk).update(last_request_at=moment)
    found = PARTNER_BY_KEY.first(partner.key)
    assert type(found) is Partner and found._state.adding is False
    assert fields_of(found) == fields_of(Partner.objects.get(pk=partner.pk))
    assert found.last_request_at == moment and timezone.is_aware(found.last_request_at)
    assert PARTNER_BY_KEY.first("hf_unknown") is None


def test_values_rows_convert_json_and_flat_values(partner):
    from huifang.partners.models import EVENT_ANSWER

    body = {"call": 7, "record": None, "中文": ["是", 1.5]}
    PartnerEvent.objects.create(partner=partner, scope="calls", event_id="E1", body=body)
    assert EVENT_ANSWER.rows(partner.pk, "calls", "E1") == [(body,)]
    assert EVENT_ANSWER.first(partner.pk, "calls", "E2") is None
    flat = Prepared(
        lambda pk: PartnerEvent.objects.filter(pk=pk).values_list("body", flat=True), int
    )
    event = PartnerEvent.objects.get(event_id="E1")
    assert flat.first(event.pk) == body == event.body


def test_dates_and_many_rows_in_the_querysets_order(partner):
    day = timezone.make_aware(datetime.datetime(2026, 1, 5, 10, 30))
    for n in range(3):
        PartnerEvent.objects.create(
            partner=partner, scope="s", event_id=f"E{n}", created_at=day + datetime.timedelta(n)
        )
    newest_first = Prepared(
        lambda scope: PartnerEvent.objects.filter(scope=scope).order_by("-created_at"), str
    )
    assert [fields_of(e) for e in newest_first.all("s")] == [
        fields_of(e) for e in PartnerEvent.objects.filter(scope="s").order_by("-created_at")
    ]


def test_select_for_update_only_inside_a_transaction(partner, transactional_db):
    locked = Prepared(lambda pk: type(partner).objects.select_for_update().filter(pk=pk), int)
    with transaction.atomic():
        assert locked.first(partner.pk).pk == partner.pk
    from django.db import connection

    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            locked.first(partner.pk)


def test_what_cannot_be_prepared_is_refused(db):
    twice = Prepared(
        lambda key: (
            PartnerEvent.objects.filter(event_id=key) | PartnerEvent.objects.filter(scope=key)
        ),
        str,
    )
    with pytest.raises(ValueError, match="出现 2 次"):
        twice.first("x")
    joined = Prepared(lambda pk: PartnerEvent.objects.select_related("partner").filter(pk=pk), int)
    with pytest.raises(ValueError, match="select_related"):
        joined.first(1)
    with pytest.raises(TypeError):
        Prepared(lambda day: PartnerEvent.objects.filter(created_at=day), datetime.datetime).first(
            timezone.now()
        )


@pytest.mark.django_db(transaction=True)
def test_every_prepared_query_of_the_code_base_compiles():
    for module in MODULES:
        importlib.import_module(module)
    declared = [p for p in Prepared.registry if p.build.__module__.startswith("huifang.")]
    assert (
        len(declared) >= 7
    )  # (calls: four look-ups became one join; surveys: the invitation, task and version one locked read)
    with transaction.atomic():
        for prepared in declared:
            assert prepared.rows(*[_unused(kind) for kind in prepared.kinds]) == []


def _unused(kind: type):
    return "不存在" if kind is str else 987_654_321


# ---- Insert: the INSERT compiled once writes what the ORM's save() writes ----------------


def _stored(model, pk) -> dict:
    row = fields_of(model.objects.get(pk=pk))
    row.pop("id")
    return row


def test_an_insert_writes_the_row_the_orm_writes_and_marks_it_saved(db):
    from huifang.core.models import AuditEvent
    from huifang.core.prepared import Insert

    fast = Insert(AuditEvent)
    Insert.registry.remove(fast)
    at = timezone.now().replace(microsecond=123456)
    values = dict(
        time=at, actor_label="掌厅甲", request_id="r1", ip="10.0.0.1", action="partner.create",
        object_type="partners.partner", object_id="7", object_repr="掌厅甲",
        before=None, after={"名称": "掌厅甲", "n": [1, "二"]}, message="说明",
    )  # fmt: skip
    for _ in range(2):  # the first compiles, the second runs the compiled INSERT
        orm = AuditEvent.objects.create(**values)
        row = fast.create(**values)
        assert row.pk is not None and row.pk != orm.pk
        assert not row._state.adding and row._state.db == "default"
        assert _stored(AuditEvent, row.pk) == _stored(AuditEvent, orm.pk)


def test_an_insert_fills_auto_now_add_and_defaults_as_the_orm(partner):
    from huifang.core.prepared import Insert

    fast = Insert(PartnerEvent)
    Insert.registry.remove(fast)
    for n in range(2):
        orm = PartnerEvent.objects.create(partner=partner, scope="s", event_id=f"orm{n}")
        row = fast.create(partner=partner, scope="s", event_id=f"fast{n}")
        stored, expected = _stored(PartnerEvent, row.pk), _stored(PartnerEvent, orm.pk)
        assert stored.pop("event_id") == f"fast{n}" and expected.pop("event_id") == f"orm{n}"
        assert abs(stored.pop("created_at") - expected.pop("created_at")).total_seconds() < 5
        assert stored == expected
        assert (
            fields_of(row)["created_at"]
            == fields_of(PartnerEvent.objects.get(pk=row.pk))["created_at"]
        )


def test_an_insert_leaves_what_is_not_plain_to_the_orm(partner, monkeypatch):
    from django.db.models import Value
    from django.db.models.signals import post_save

    from huifang.core.prepared import Insert

    fast = Insert(PartnerEvent)
    Insert.registry.remove(fast)
    fast.create(partner=partner, scope="s", event_id="first")  # compiled
    calls = []
    original = PartnerEvent.save

    def save(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PartnerEvent, "save", save)
    expression = fast.create(partner=partner, scope="s", event_id=Value("expr"))
    explicit = fast.create(pk=10_000, partner=partner, scope="s", event_id="pk")

    def receiver(**kwargs):
        pass

    post_save.connect(receiver, sender=PartnerEvent)
    try:
        signalled = fast.create(partner=partner, scope="s", event_id="signal")
    finally:
        post_save.disconnect(receiver, sender=PartnerEvent)
    assert len(calls) == 3 and all(c == {"force_insert": True, "using": "default"} for c in calls)
    assert PartnerEvent.objects.get(pk=expression.pk).event_id == "expr"
    assert explicit.pk == 10_000 and PartnerEvent.objects.filter(pk=10_000).exists()
    assert PartnerEvent.objects.filter(pk=signalled.pk, event_id="signal").exists()


def test_an_insert_refused_by_a_constraint_leaves_the_transaction_unusable(partner):
    from django.db import IntegrityError

    from huifang.partners.models import EVENT_INSERT

    EVENT_INSERT.create(partner=partner, scope="s", event_id="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        EVENT_INSERT.create(partner=partner, scope="s", event_id="dup")
    assert PartnerEvent.objects.filter(event_id="dup").count() == 1


def test_every_insert_of_the_code_base_is_for_a_plain_model():
    from django.db.models import Model

    from huifang.core.prepared import Insert

    for module in [*MODULES, "huifang.core.models", "huifang.surveys.writeback"]:
        importlib.import_module(module)
    models = {each.model for each in Insert.registry}
    assert {m.__name__ for m in models} >= {
        "AuditEvent", "PartnerEvent", "CallAttempt", "CallbackRecord", "RecordVersion",
        "Response",
    }  # fmt: skip
    for model in models:
        # save() adds nothing to Model.save() for a new row (AuditEvent's refuses updates).
        assert model.save is Model.save or model.__name__ == "AuditEvent", model


def test_many_rows_are_written_as_bulk_create_writes_them(db):
    from huifang.core.models import AuditEvent
    from huifang.core.prepared import Insert

    fast = Insert(AuditEvent)
    Insert.registry.remove(fast)
    at = timezone.now()

    def rows(tag):
        return [
            AuditEvent(
                time=at, actor_label=tag, action="partner.create", object_id=str(n),
                after={"n": n, "名称": "甲"}, message=f"第 {n} 行",
            )
            for n in range(3)
        ]  # fmt: skip

    for _ in range(2):  # the first compiles, the second runs the compiled INSERT
        orm = AuditEvent.objects.bulk_create(rows("orm"))
        fast_rows = fast.create_many(rows("fast"))
        assert all(r.pk is not None and not r._state.adding for r in fast_rows)
        assert len({r.pk for r in fast_rows}) == 3
        for mine, theirs in zip(fast_rows, orm, strict=True):
            stored, expected = _stored(AuditEvent, mine.pk), _stored(AuditEvent, theirs.pk)
            assert stored.pop("actor_label") == "fast" and expected.pop("actor_label") == "orm"
            assert stored == expected


def test_many_rows_not_plain_go_to_bulk_create(db):
    from huifang.core.models import AuditEvent
    from huifang.core.prepared import Insert

    fast = Insert(AuditEvent)
    Insert.registry.remove(fast)
    many = [AuditEvent(action="partner.create", object_id=str(n)) for n in range(25)]
    fast.create_many(many)
    given = fast.create_many([AuditEvent(pk=50_000, action="partner.create")])
    assert AuditEvent.objects.filter(action="partner.create").count() == 26
    assert given[0].pk == 50_000 and all(r.pk is not None for r in many)
