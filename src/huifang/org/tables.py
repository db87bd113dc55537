import django_tables2 as tables

from huifang.core.columns import DateTimeColumn, permitted_link
from huifang.core.masking import mask_phone
from huifang.org.models import Branch, User


class BranchTable(tables.Table):
    parent = tables.Column(accessor="parent__code", verbose_name="上级部门代码", default="")
    level = tables.Column(accessor="level_label", verbose_name="层级", orderable=False)

    class Meta:
        model = Branch
        fields = ["code", "name", "parent", "level", "is_active", "updated_at"]
        order_by = "path"


class UserTable(tables.Table):
    username = tables.Column(linkify=permitted_link("org:user_edit", "org.change_user"))
    branch = tables.Column(accessor="branch__name", verbose_name="所属部门", default="")
    mobile = tables.Column(verbose_name="手机号", orderable=False)  # stored encrypted
    last_login = DateTimeColumn(format="Y-m-d H:i")
    logins = tables.Column(
        verbose_name="登录记录",
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        linkify=permitted_link("org:login_history", "org.view_user"),
    )

    class Meta:
        model = User
        fields = ["username", "full_name", "role", "branch", "mobile", "is_active", "last_login"]
        order_by = "username"

    def render_logins(self, record):
        return "查看"

    def render_mobile(self, value: str) -> str:
        # Personal data: masked on the page, in exports and the API (as a customer's).
        return mask_phone(value)
