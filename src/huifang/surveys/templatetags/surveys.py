from django import template

from huifang.surveys.content import QuestionType

register = template.Library()


@register.filter
def question_type(value: str) -> str:
    """单选 / 多选 / 是否 / 文本 / 日期 for a stored question type."""
    try:
        return str(QuestionType(value).label)
    except ValueError:
        return value


@register.inclusion_tag("surveys/_task_invitations.html", takes_context=True)
def task_invitations(context, task):
    """The task page's invitations (scoped like every list) and its 下发问卷 button."""
    from huifang.surveys.models import Invitation
    from huifang.surveys.sending import expire_due

    expire_due(Invitation.objects.filter(task=task))  # stored statuses up to date first
    request = context["request"]
    user = request.user
    rows = (
        Invitation.objects.restrict(user, "view")
        .filter(task=task)
        .select_related("version", "version__questionnaire")
        .order_by("-created_at", "-id")
    )
    return {
        "task": task,
        "invitations": list(rows[:50]),
        "can_send": user.has_perm("surveys.send_invitation") and task.is_open,
        "base_url": request.build_absolute_uri("/")[:-1],
        "request": request,
    }
