"""问卷结果 as queries: per questionnaire version, filtered by batch, branch and channel.

Every number is a set-based GROUP BY over :class:`Invitation`, :class:`Response` and
:class:`ResponseAnswer`, starting from the viewer's scoped rows (``restrict(user,
"view")``), so a branch user's page, chart and export only ever count its subtree. The
page (``surveys/result_views.py``), its export and the customer 360 / task sections read
these functions and nothing else.

Definitions (also shown on the page):

- 邀请数: invitations created for the version (any channel, any status);
- 已打开: opened or answered (an answered invitation was necessarily opened, even when the
  channel never reported 已打开);
- 已作答: answered (status 已作答 — a response exists);
- 作答率: 已作答 / 邀请数.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import django_filters
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from huifang.callbacks.models import Batch, TaskBatch
from huifang.core.filtersets import FilterSet
from huifang.core.scoping import in_subtree
from huifang.org.models import Branch
from huifang.surveys.choices import Channel, InvitationStatus
from huifang.surveys.content import CHOICE_TYPES
from huifang.surveys.models import (
    Invitation,
    QuestionnaireVersion,
    Response,
    ResponseAnswer,
)

ABNORMAL_LIMIT = 200


# ---------------------------------------------------------------- filters


class ResultFilterSet(FilterSet):
    """批次号 / 部门 / 渠道 over invitations or responses (both have ``task``, ``branch``
    and ``channel``): the page's figures and its export filter alike. It names no model
    because it serves two; every filter is declared, and the queryset is always given."""

    batch = django_filters.CharFilter(label="批次号", method="in_batch")
    branch = django_filters.ModelChoiceFilter(
        label="部门", queryset=Branch.objects.none(), method="in_branch"
    )
    channel = django_filters.ChoiceFilter(label="渠道", choices=Channel.choices)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["branch"].queryset = Branch.objects.restrict(user, "view").order_by("path")

    def in_batch(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Invitations of the tasks the batch touched (created or merged into), like the
        task list's 批次号 filter."""
        value = (value or "").strip()
        if not value:
            return queryset
        batch_id = Batch.objects.filter(number=value).values_list("pk", flat=True).first()
        if batch_id is None:
            return queryset.none()
        return queryset.filter(
            Exists(TaskBatch.objects.filter(batch_id=batch_id, task_id=OuterRef("task_id")))
        )

    def in_branch(self, queryset: QuerySet, name: str, value: Branch | None) -> QuerySet:
        if value is None:
            return queryset
        return in_subtree(queryset, "branch", value)


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    """One row of a figures table (a channel, a branch, or the total)."""

    key: str
    label: str
    invited: int = 0
    opened: int = 0
    answered: int = 0
    abnormal: int = 0

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass
class QuestionDistribution:
    """How one question was answered: a count per option (choice questions) or the number
    of text answers."""

    number: int
    id: str
    text: str
    type: str
    answered: int = 0
    options: list[dict] = field(default_factory=list)  # [{"id", "text", "abnormal", "count"}]

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES


def _figure_aggregates() -> dict:
    answered = Q(status=InvitationStatus.ANSWERED)
    return {
        "invited": Count("id"),
        "opened": Count("id", filter=Q(opened_at__isnull=False) | answered),
        "answered": Count("id", filter=answered),
    }


def _abnormal_counts(responses: QuerySet, key: str) -> dict:
    rows = responses.exclude(abnormal=[]).values(key).annotate(n=Count("id")).order_by()
    return {row[key]: row["n"] for row in rows}


def by_channel(invitations: QuerySet, responses: QuerySet) -> tuple[list[Figures], Figures]:
    """Per channel (every channel shown, zeros included) and the total."""
    rows = {
        row["channel"]: row
        for row in invitations.values("channel").annotate(**_figure_aggregates()).order_by()
    }
    abnormal = _abnormal_counts(responses, "channel")
    figures = []
    for channel in Channel:
        row = rows.get(channel.value, {})
        figures.append(
            Figures(
                key=channel.value,
                label=str(channel.label),
                invited=row.get("invited", 0),
                opened=row.get("opened", 0),
                answered=row.get("answered", 0),
                abnormal=abnormal.get(channel.value, 0),
            )
        )
    return figures, _total(figures)


def by_branch(invitations: QuerySet, responses: QuerySet) -> tuple[list[Figures], Figures]:
    """Per branch (the task's own branch) with invitations, in branch-tree order, and the
    total."""
    rows = list(invitations.values("branch").annotate(**_figure_aggregates()).order_by())
    abnormal = _abnormal_counts(responses, "branch")
    names = {
        b.pk: b
        for b in Branch.objects.filter(pk__in=[r["branch"] for r in rows]).only(
            "code", "name", "path"
        )
    }
    rows.sort(key=lambda r: names[r["branch"]].path)
    figures = [
        Figures(
            key=names[r["branch"]].code,
            label=f"{names[r['branch']].code} {names[r['branch']].name}",
            invited=r["invited"],
            opened=r["opened"],
            answered=r["answered"],
            abnormal=abnormal.get(r["branch"], 0),
        )
        for r in rows
    ]
    return figures, _total(figures)


def _total(figures: list[Figures]) -> Figures:
    return Figures(
        key="",
        label="合计",
        invited=sum(f.invited for f in figures),
        opened=sum(f.opened for f in figures),
        answered=sum(f.answered for f in figures),
        abnormal=sum(f.abnormal for f in figures),
    )


def distribution(version: QuestionnaireVersion, responses: QuerySet) -> list[QuestionDistribution]:
    """Per question of ``version``: how many responses answered it and, for a choice
    question, how many chose each option (one GROUP BY over the answer rows of
    ``responses``; a multiple-choice response counts once per option it chose)."""
    answers = ResponseAnswer.objects.filter(version=version, response__in=responses)
    per_option = {
        (row["question"], row["option"]): row["n"]
        for row in answers.exclude(option="")
        .values("question", "option")
        .annotate(n=Count("id"))
        .order_by()
    }
    per_question = {
        row["question"]: row["n"]
        for row in answers.values("question")
        .annotate(n=Count("response", distinct=True))
        .order_by()
    }
    result = []
    for n, question in enumerate(version.questions or [], start=1):
        result.append(
            QuestionDistribution(
                number=n,
                id=question["id"],
                text=question["text"],
                type=question["type"],
                answered=per_question.get(question["id"], 0),
                options=[
                    {
                        "id": o["id"],
                        "text": o["text"],
                        "abnormal": bool(o.get("abnormal")),
                        "count": per_option.get((question["id"], o["id"]), 0),
                    }
                    for o in question.get("options") or []
                ],
            )
        )
    return result


def chart_data(questions: list[QuestionDistribution]) -> list[dict]:
    """The choice questions' counts for the page's ECharts bars (json_script)."""
    return [
        {
            "id": q.id,
            "title": f"{q.number}. {q.text}",
            "labels": [o["text"] for o in q.options],
            "counts": [o["count"] for o in q.options],
            "abnormal": [o["abnormal"] for o in q.options],
        }
        for q in questions
        if q.is_choice and q.options
    ]


def abnormal_responses(responses: QuerySet, limit: int = ABNORMAL_LIMIT) -> QuerySet:
    """Responses with at least one abnormal answer, newest first."""
    return (
        responses.exclude(abnormal=[])
        .select_related("customer", "branch", "task", "invitation", "record")
        .order_by("-received_at", "-id")[:limit]
    )


# ---------------------------------------------------------------- what the viewer may see


def scoped_invitations(user, version: QuestionnaireVersion | None = None) -> QuerySet:
    qs = Invitation.objects.restrict(user, "view")
    return qs.filter(version=version) if version is not None else qs


def scoped_responses(user, version: QuestionnaireVersion | None = None) -> QuerySet:
    qs = Response.objects.restrict(user, "view")
    return qs.filter(version=version) if version is not None else qs


def versions_overview(user) -> list[dict]:
    """Every questionnaire version with invitations the viewer may see: its figures."""
    rows = list(
        scoped_invitations(user).values("version").annotate(**_figure_aggregates()).order_by()
    )
    versions = {
        v.pk: v
        for v in QuestionnaireVersion.objects.filter(
            pk__in=[r["version"] for r in rows]
        ).select_related("questionnaire")
    }
    result = []
    for row in rows:
        version = versions[row["version"]]
        figures = Figures(
            key=str(version.pk),
            label=str(version),
            invited=row["invited"],
            opened=row["opened"],
            answered=row["answered"],
        )
        result.append({"version": version, "figures": figures})
    result.sort(key=lambda r: (r["version"].questionnaire.code, -(r["version"].number or 0)))
    return result


# ---------------------------------------------------------------- one submission's answers


def answer_lines(version: QuestionnaireVersion, response: Response) -> list[dict]:
    """The response's answers question by question, as the customer gave them:
    ``{"number", "text", "answer", "note", "abnormal", "answered"}``."""
    given = {a["question"]: a for a in response.answers or []}
    abnormal = set(response.abnormal or [])
    lines = []
    for n, question in enumerate(version.questions or [], start=1):
        answer = given.get(question["id"])
        options = {o["id"]: o["text"] for o in question.get("options") or []}
        if answer is None:
            text = ""
        elif "options" in answer:
            text = "、".join(options.get(o, o) for o in answer["options"])
        else:
            text = answer.get("text", "")
        lines.append(
            {
                "number": n,
                "id": question["id"],
                "text": question["text"],
                "answer": text,
                "note": (answer or {}).get("note", ""),
                "abnormal": question["id"] in abnormal,
                "answered": answer is not None,
            }
        )
    return lines


def abnormal_texts(version: QuestionnaireVersion, response: Response) -> list[str]:
    """``第 2 题 是否本人开户`` for each abnormal question of the response."""
    numbers = {q["id"]: (n, q["text"]) for n, q in enumerate(version.questions or [], start=1)}
    texts = []
    for qid in response.abnormal or []:
        n, text = numbers.get(qid, (0, qid))
        texts.append(f"第 {n} 题 {text}" if n else qid)
    return texts


# ---------------------------------------------------------------- the export


EXPORT_HEADER = [
    "问卷编号",
    "问卷名称",
    "版本",
    "邀请编号",
    "渠道",
    "投资者代码",
    "账户名称",
    "营业部",
    "批次号",
    "回访任务",
    "提交时间",
    "回访记录",
    "是否异常",
    "异常题目",
]


def answers_sheet(version: QuestionnaireVersion):
    """The export of all answers (``core.exporter`` sheet): one row per submission, the
    submission's facts then one column per question of ``version`` (the options' texts as
    the customer chose them, a note after it as （说明：…））."""
    questions = list(version.questions or [])
    header = EXPORT_HEADER + [f"{n}. {q['text']}" for n, q in enumerate(questions, start=1)]
    code = version.questionnaire.code

    def cells(response: Response) -> list:
        lines = answer_lines(version, response)
        return [
            code,
            version.title,
            version.number,
            response.invitation.code,
            response.get_channel_display(),
            response.customer.investor_code,
            response.customer.name,
            f"{response.branch.code} {response.branch.name}",
            response.task.batch.number if response.task.batch_id else "",
            response.task_id,
            response.submitted_at,
            response.record_id,
            "是" if response.abnormal else "否",
            "；".join(abnormal_texts(version, response)),
        ] + [
            line["answer"] + (f"（说明：{line['note']}）" if line["note"] else "") for line in lines
        ]

    def sheet(rows) -> tuple[list[str], object]:
        rows = rows.select_related("invitation", "customer", "branch", "task__batch").order_by(
            "submitted_at", "id"
        )
        return header, (cells(r) for r in rows.iterator(chunk_size=2000))

    return sheet
