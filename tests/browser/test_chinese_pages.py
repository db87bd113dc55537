"""Chinese everywhere: no page of a role's menu (nor the task, record and rule pages they
open from it) shows English from Django, DRF, widgets or errors — no English word in what
the page shows, and no ``---------`` of Django's empty choice. What is not English text:
names of formats and protocols the staff use as they are (CSV, Excel, API, SHA-256, H5,
the partners' Key), file names and paths, the ``huifang`` commands a page names, a code
shown in （…） beside its Chinese label, and the data's own codes (user names, the
questionnaires' question and option ids)."""

from __future__ import annotations

import json
import re

import pytest

from huifang.callbacks.models import CallbackTask
from huifang.org.models import User

pytestmark = pytest.mark.browser

NAMES = {
    "csv", "xlsx", "xls", "excel", "api", "sha", "json", "url", "http", "https", "ivr",
    "otp", "bom", "gbk", "utf", "sms", "pdf", "zip", "rest", "openapi", "token", "webhook",
    "app", "key", "bearer", "hmac", "totp",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z]{3,}")
# A path or file name, a command, a code in full-width brackets after a Chinese label.
NOT_TEXT = re.compile(r"[\w.@-]*[/.][\w./@-]*|huifang(?: [a-z_]+)+|(?<=[\u4e00-\u9fff])（[\w.]+）")


def question_ids() -> set[str]:
    """The ids of the questions and options of the questionnaires the demo installs."""
    from huifang import surveys

    path = f"{surveys.__path__[0]}/defaults/questionnaires.json"
    ids: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ids.update(v for k, v in node.items() if k == "id" and isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    with open(path, encoding="utf-8") as source:
        walk(json.load(source))
    return ids


def english(page, data: set[str]) -> list[str]:
    """English words in the page's visible text (the nav and <main>), with their line."""
    text = page.evaluate(
        "() => [document.querySelector('#nav'), document.querySelector('main')]"
        ".filter(Boolean).map(e => e.innerText).join('\\n')"
    )
    found = []
    for line in text.splitlines():
        if "---------" in line:
            found.append(line.strip())
        for token in re.findall(r"[\w@-]+", NOT_TEXT.sub(" ", line)):
            if re.search(r"[\d_@]", token) or token in data:
                continue  # user names, codes, ids
            for word in WORD.findall(token):
                if word.lower() not in NAMES and not word.isupper():
                    found.append(f"{word} … {line.strip()[:80]}")
    return found


@pytest.mark.parametrize("username", ["hq_admin", "010101_manager", "010101_agent1", "auditor"])
def test_a_role_s_pages_show_no_english(demo, demo_login, live_server, username):
    page = demo_login(username)
    data = question_ids() | set(User.objects.values_list("username", flat=True))
    menu = page.eval_on_selector_all(
        "#nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    task = CallbackTask.objects.filter(records__isnull=False).order_by("pk").first()
    details = [f"/callbacks/tasks/{task.pk}/", f"/records/tasks/{task.pk}/", "/rules/A002/"]
    found = {}
    for path in ["/", *menu, *(details if username != "010101_agent1" else [])]:
        page.goto(f"{live_server.url}{path}")
        words = english(page, data)
        if words:
            found[path] = words
    assert found == {}
