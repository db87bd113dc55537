"""``{% notification_bell %}``: the top bar's bell (unread count, the latest messages)."""

from django import template

from huifang.automation import notifications

register = template.Library()


@register.inclusion_tag("automation/_bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    mine = notifications.for_user(user)
    return {
        "unread": mine.unread().count(),
        "latest": list(mine.order_by("-created_at", "-pk")[: notifications.LATEST]),
    }
