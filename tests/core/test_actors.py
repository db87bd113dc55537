"""Actors that are not people (issue 15): a user, a command, a background job or a machine
partner, one type; services take it as ``actor`` and callers passing a user still work."""

from __future__ import annotations

from huifang.callbacks.models import CallbackTask
from huifang.core import audit
from huifang.core.actors import Actor, ActorKind, as_actor
from huifang.core.audit_actions import CoreAction
from huifang.core.scoping import has_model_perm


def test_the_kind_follows_from_the_channel_and_the_person(personas):
    agent = personas["agent_a"]
    assert Actor(user=agent, label="web").kind == ActorKind.USER
    assert Actor(label="command:import").kind == ActorKind.COMMAND
    assert Actor(user=agent, label="job:42").kind == ActorKind.JOB
    assert Actor.partner("掌厅").kind == ActorKind.PARTNER
    assert Actor().kind == ActorKind.SYSTEM


def test_a_user_passed_as_actor_acts_in_the_current_channel(personas):
    agent = personas["agent_a"]
    with audit.acting(label="command:import", ip="10.0.0.1"):
        actor = as_actor(agent)
        assert (actor.user, actor.label, actor.ip) == (agent, "command:import", "10.0.0.1")
        assert as_actor(None).label == "command:import"
    partner = Actor.partner("掌厅")
    assert as_actor(partner) is partner


def test_a_partner_is_trusted_at_its_entry_and_a_person_keeps_its_permissions(personas):
    partner = Actor.partner("掌厅")
    assert partner.may(CallbackTask, "change")
    tasks = CallbackTask.objects.all()
    assert partner.restrict(tasks, "change").query.where == tasks.query.where  # unscoped
    auditor = Actor.of_user(personas["auditor"])
    assert not auditor.may(CallbackTask, "change")
    assert not has_model_perm(Actor(label="web"), CallbackTask, "view")  # nobody signed in


def test_a_partner_writes_audit_rows_as_itself(db):
    event = audit.record(CoreAction.DOWNLOAD, object_type="x", actor=Actor.partner("外呼平台"))
    assert (event.user, event.actor_label) == (None, "partner:外呼平台")
    assert Actor.partner("外呼平台").name == "对接方 外呼平台"


def test_a_machine_changes_a_business_type_with_no_person_as_its_editor(db):
    from huifang.callbacks.models import BusinessType
    from huifang.callbacks.services import do_save_business_type

    kind = BusinessType.objects.first()
    saved = do_save_business_type(
        kind, {"description": "由定时任务维护"}, actor=Actor.command("automation")
    )
    assert (saved.description, saved.updated_by) == ("由定时任务维护", None)


def test_an_actor_for_a_person_records_that_person_as_the_editor(personas):
    from huifang.callbacks.models import BusinessType
    from huifang.callbacks.services import do_save_business_type

    hq = personas["hq_admin"]
    kind = BusinessType.objects.first()
    saved = do_save_business_type(kind, {"description": "总部修改"}, actor=Actor.of_user(hq))
    assert saved.updated_by == hq
