"""``{% notification_bell %}``: the top bar's bell (unread count, the latest messages)."""

from django import template
from django.db.models import Count, IntegerField, OuterRef, Subquery

from huifang.automation import notifications
from huifang.automation.models import Notification

register = template.Library()


@register.inclusion_tag("automation/_bell.html", takes_context=True)
def notification_bell(context):
    """One query on every page: the latest messages, each carrying the unread count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    unread = (
        Notification.objects.filter(recipient=OuterRef("recipient"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    latest = list(
        notifications.for_user(user)
        .annotate(unread_total=Subquery(unread, output_field=IntegerField()))
        .order_by("-created_at", "-pk")[: notifications.LATEST]
    )
    return {"unread": (latest[0].unread_total or 0) if latest else 0, "latest": latest}
