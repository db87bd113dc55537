from django import forms

from huifang.core.masking import mask_phone
from huifang.core.permissions import may_reveal
from huifang.org.models import Branch, Role, User
from huifang.org.passwords import check_password_rules


class UserForm(forms.Form):
    username = forms.RegexField(
        label="用户名",
        regex=r"^[A-Za-z0-9_.@-]{3,150}$",
        error_messages={
            "required": "请填写用户名",
            "invalid": "用户名只能包含字母、数字和 _.@-，长度 3–150",
        },
    )
    full_name = forms.CharField(label="姓名", max_length=50)
    branch = forms.ModelChoiceField(label="所属部门", queryset=Branch.objects.none())
    role = forms.ChoiceField(label="角色", choices=[("", "请选择角色"), *Role.choices])
    mobile = forms.RegexField(
        label="手机号",
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": "请输入 11 位手机号"},
    )
    email = forms.EmailField(label="电子邮箱", required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput,
        required=False,
        help_text="新建用户时必填",
    )

    def __init__(self, *args, user, instance: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["branch"].queryset = Branch.objects.restrict(user, "view")
        if instance is not None:
            self.fields["username"].disabled = True
            # On an existing user the field resets the password: no "initial" about it.
            self.fields["password"].label = "重置密码"
            self.fields["password"].help_text = "留空表示不修改"
            if instance.mobile and not may_reveal(user):
                # Shown masked and kept as it is: the full number is for those who may
                # read personal data unmasked.
                self.fields["mobile"] = forms.CharField(
                    label="手机号",
                    required=False,
                    disabled=True,
                    help_text="您没有查看完整手机号的权限，不能修改",
                )
                self.initial["mobile"] = mask_phone(instance.mobile)
        else:
            self.fields["password"].required = True

    def clean_username(self):
        username = self.cleaned_data["username"]
        if self.instance is None and User.objects.filter(username=username).exists():
            raise forms.ValidationError("该用户名已存在")
        return username

    def clean(self):
        data = super().clean()
        if self.fields["mobile"].disabled:
            # The masked number is not written back: no "mobile" in the cleaned data.
            data.pop("mobile", None)
            if self.data.get("mobile") not in (None, "", self.instance.mobile):
                self.add_error(None, "您没有查看完整手机号的权限，不能修改手机号")
        password = data.get("password")
        if password:
            # Judged against the account it is for: its username, name and e-mail.
            fields = ("username", "full_name", "email")
            subject = self.instance or User(**{f: data.get(f) or "" for f in fields})
            try:
                check_password_rules(password, subject)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
