"""REST building blocks: the same permissions and branch scoping as the pages."""

from rest_framework import viewsets

from huifang.core.scoping import has_model_perm

ACTION_FOR_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class ScopedViewSetMixin:
    """Every API queryset starts from ``restrict(user, action)``: out of scope is 404."""

    def get_queryset(self):
        base = super().get_queryset()
        action = ACTION_FOR_METHOD.get(self.request.method, "view")
        if not has_model_perm(self.request.user, base.model, action):
            return base.none()
        return base.restrict(self.request.user, action)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
