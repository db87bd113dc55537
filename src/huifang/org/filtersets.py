import django_filters

from huifang.core.filtersets import FilterSet
from huifang.org.models import Branch, Role, User


class BranchFilterSet(FilterSet):
    q = django_filters.CharFilter(label="代码或名称", method="search")

    class Meta:
        model = Branch
        fields = ["is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(code__startswith=value) | queryset.filter(name__icontains=value)


class UserFilterSet(FilterSet):
    q = django_filters.CharFilter(label="用户名或姓名", method="search")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices)
    branch = django_filters.ModelChoiceFilter(label="所属部门", queryset=Branch.objects.none())

    class Meta:
        model = User
        fields = ["role", "branch", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["branch"].queryset = Branch.objects.restrict(request.user, "view")

    def search(self, queryset, name, value):
        return queryset.filter(username__icontains=value) | queryset.filter(
            full_name__icontains=value
        )
