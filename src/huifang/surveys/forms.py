"""Forms of the questionnaire pages, and reading a filled-in questionnaire from a POST
(the partial ``surveys/_questionnaire_form.html`` names its inputs ``a-N`` / ``a-N-note``
for the N-th question, counted from 0)."""

from __future__ import annotations

from django import forms

from huifang.callbacks.models import BusinessType
from huifang.surveys.content import CHOICE_TYPES, QuestionType

MAX_UPLOAD = 2 * 1024 * 1024


def _business_types_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label="回访业务类型",
        queryset=BusinessType.objects.filter(is_active=True).order_by("sort_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class QuestionnaireCreateForm(forms.Form):
    code = forms.CharField(
        label="问卷编号", max_length=50, help_text="例如 QN-ANNUAL，创建后不可修改"
    )
    title = forms.CharField(label="问卷名称", max_length=200)
    business_types = _business_types_field()


class DraftForm(forms.Form):
    title = forms.CharField(label="问卷名称", max_length=200)
    opening = forms.CharField(
        label="开场白", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    closing = forms.CharField(
        label="结束语", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    business_types = _business_types_field()


class QuestionForm(forms.Form):
    id = forms.CharField(
        label="题目 id",
        max_length=50,
        required=False,
        help_text="各版本之间保持不变；留空则自动生成",
    )
    text = forms.CharField(label="题目", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    type = forms.ChoiceField(label="题型", choices=QuestionType.choices)
    required = forms.BooleanField(label="必答", required=False, initial=True)


class OptionForm(forms.Form):
    id = forms.CharField(label="选项 id", max_length=50, required=False)
    text = forms.CharField(label="选项文字", max_length=200, required=False)
    abnormal = forms.BooleanField(label="异常答案", required=False)
    note = forms.BooleanField(label="需填写说明", required=False)


OptionFormSet = forms.formset_factory(OptionForm, extra=3, max_num=50, absolute_max=60)


def question_from_forms(form: QuestionForm, formset, *, default_id: str) -> dict:
    """The question (file format) the two validated forms describe. Blank option rows are
    left out; an option without an id gets ``o1``, ``o2`` …; a yes/no question without
    options gets 是 / 否."""
    data = form.cleaned_data
    kind = data["type"]
    options = []
    for row in formset.cleaned_data:
        if not row or not (row.get("text") or "").strip():
            continue
        options.append(
            {
                "id": (row.get("id") or "").strip(),
                "text": row["text"].strip(),
                "abnormal": bool(row.get("abnormal")),
                "note": bool(row.get("note")),
            }
        )
    taken = {o["id"] for o in options}
    n = 0
    for option in options:
        if not option["id"]:
            n += 1
            while f"o{n}" in taken:
                n += 1
            option["id"] = f"o{n}"
            taken.add(option["id"])
    if kind == QuestionType.YES_NO and not options:
        options = [
            {"id": "yes", "text": "是", "abnormal": False, "note": False},
            {"id": "no", "text": "否", "abnormal": False, "note": False},
        ]
    if kind not in CHOICE_TYPES:
        options = []
    return {
        "id": (data.get("id") or "").strip() or default_id,
        "text": data["text"].strip(),
        "type": kind,
        "required": bool(data.get("required")),
        "options": options,
    }


class ImportForm(forms.Form):
    file = forms.FileField(label="问卷文件（JSON）")
    publish = forms.BooleanField(label="导入后立即发布", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("文件过大（最大 2 MB）")
        return upload


def answers_from_post(questions: list[dict], data) -> list[dict]:
    """The answers (interfaces.md shape, with ``note``) a filled-in
    ``_questionnaire_form.html`` posted; blank questions are left out."""
    answers = []
    for n, question in enumerate(questions):
        name = f"a-{n}"
        answer: dict = {"question": question["id"]}
        if question["type"] in CHOICE_TYPES:
            chosen = [v for v in data.getlist(name) if v]
            if not chosen:
                continue
            answer["options"] = chosen
        else:
            text = (data.get(name) or "").strip()
            if not text:
                continue
            answer["text"] = text
        note = (data.get(f"{name}-note") or "").strip()
        if note:
            answer["note"] = note
        answers.append(answer)
    return answers


def form_rows(questions: list[dict], posted=None, errors: dict | None = None) -> list[dict]:
    """What ``_questionnaire_form.html`` renders, question by question: the inputs'
    names, what was chosen or typed (``posted``, a QueryDict, to show a refused submission
    again), the error. Only the ``note`` flag reaches the page (as a remark box), never
    ``abnormal``."""
    errors = errors or {}
    rows = []
    for n, question in enumerate(questions):
        name = f"a-{n}"
        chosen = set(posted.getlist(name)) if posted is not None else set()
        kind = question["type"]
        rows.append(
            {
                "name": name,
                "number": n + 1,
                "id": question["id"],
                "text": question["text"],
                "type": kind,
                "required": question.get("required", True),
                "input_type": "checkbox" if kind == QuestionType.MULTIPLE else "radio",
                "is_choice": kind in CHOICE_TYPES,
                "options": [
                    {
                        "id": o["id"],
                        "text": o["text"],
                        "checked": o["id"] in chosen,
                        "note": bool(o.get("note")),
                    }
                    for o in question.get("options") or []
                ],
                "asks_note": any(o.get("note") for o in question.get("options") or []),
                "value": (posted.get(name) or "") if posted is not None else "",
                "note": (posted.get(f"{name}-note") or "") if posted is not None else "",
                "error": errors.get(question["id"], ""),
            }
        )
    return rows
