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
