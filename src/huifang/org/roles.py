"""What each role may do, as data: patterns over Django permissions, synced into groups.

A pattern is ``app_label.action_model`` with ``*`` wildcards, e.g. ``customers.view_*``.
``sync_roles`` runs after every migrate, so a new model's permissions reach the roles
without code in views. Branch scoping (which rows) is separate: ``core.scoping``.
"""

from __future__ import annotations

from fnmatch import fnmatch

from django.contrib.auth.models import Group, Permission

from huifang.org.models import Role

APPS = (
    "core",
    "org",
    "partners",
    "customers",
    "rules",
    "callbacks",
    "records",
    "channels",
    "sms",
    "calls",
    "surveys",
    "reports",
    "automation",
)

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.HQ_ADMIN: [
        "*.view_*",
        "*.add_*",
        "*.change_*",
        "org.delete_branch",
        "core.view_all_jobs",
        "customers.reveal_sensitive",
        "customers.import_data",
        "callbacks.manage_callbacktask",
        "surveys.publish_questionnaire",
        "sms.delete_smsoptout",
        "surveys.send_invitation",
        "reports.generate_evidence",
        # 回访计划 (automation): *.add_* / *.change_* give maintaining plans, 执行
        # (add_planrun) and 审核通过 (change_planrun); the auditor reads them (*.view_*).
    ],
    Role.BRANCH_MANAGER: [
        "org.view_branch",
        "org.view_user",
        "core.view_job",
        "customers.view_*",
        "customers.reveal_sensitive",
        "rules.view_*",
        "callbacks.view_*",
        "callbacks.change_callbacktask",
        "callbacks.manage_callbacktask",
        "records.view_*",
        "records.add_callbackrecord",
        "records.change_callbackrecord",
        "records.change_branchfeedback",
        "surveys.view_questionnaire",
        "surveys.view_questionnaireversion",
        # 外呼: the call table and log of their branches, pushing a call list of their tasks.
        "calls.view_callattempt",
        "calls.add_callpush",
        # 管理措施 on their branch's customers (the type dictionary is HQ's).
        "reports.view_*",
        "reports.add_measure",
        "reports.change_measure",
        # 证据包 of their branches' rows (an inspection of the branch).
        "reports.generate_evidence",
        "surveys.view_invitation",
        "surveys.view_response",
        "surveys.view_responseanswer",
        "surveys.add_response",
        "surveys.send_invitation",
        # Queue a push to a partner (an app-hall invitation sent from a task); no page.
        "partners.add_delivery",
        # 短信: send for their scope, see templates, keep the opt-out list.
        "sms.view_smsmessage",
        "sms.add_smsmessage",
        "sms.view_smstemplate",
        "sms.view_smsoptout",
        "sms.add_smsoptout",
    ],
    Role.AGENT: [
        "org.view_branch",
        "core.view_job",
        "customers.view_*",
        "callbacks.view_*",
        "callbacks.change_callbacktask",
        "records.view_*",
        "records.add_callbackrecord",
        "records.change_callbackrecord",
        "surveys.view_questionnaire",
        "surveys.view_questionnaireversion",
        "calls.view_callattempt",
        "reports.view_measure",
        "reports.view_measureattachment",
        "surveys.view_invitation",
        "surveys.view_response",
        "surveys.view_responseanswer",
        # Offline entry (线下问卷): a paper questionnaire's answers, through the write-back.
        "surveys.add_response",
        # 下发问卷 for their own tasks (callbacks.services.require_own_tasks).
        "surveys.send_invitation",
        "partners.add_delivery",
        "sms.view_smsmessage",
        "sms.add_smsmessage",
        "sms.view_smstemplate",
        "sms.view_smsoptout",
        "sms.add_smsoptout",
    ],
    Role.AUDITOR: [
        "*.view_*",
        "core.view_all_jobs",
        "reports.generate_evidence",
    ],
}


def permissions_for(role: str) -> list[Permission]:
    patterns = ROLE_PERMISSIONS[role]
    chosen = []
    for perm in Permission.objects.filter(content_type__app_label__in=APPS).select_related(
        "content_type"
    ):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if any(fnmatch(name, pattern) for pattern in patterns):
            chosen.append(perm)
    return chosen


def group_for(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=Role(role).label)
    return group


def sync_roles() -> None:
    """Create one group per role and give it exactly the permissions its patterns name."""
    for role in Role.values:
        group_for(role).permissions.set(permissions_for(role))
