#!/usr/bin/env python3
"""A small app-hall (掌厅) simulator: calls Huifang's app-hall API signed exactly as a
partner would (``huifang.partners.client.SignedClient``: X-Huifang-Key, -Timestamp and
-Signature over TIMESTAMP\\nMETHOD\\nPATH\\nBODY), so the API can be tried by hand.

    python scripts/apphall_sim.py --base http://127.0.0.1:8000 --key K --secret S list 0000000001
    python scripts/apphall_sim.py --base … --key K --secret S show INV…
    python scripts/apphall_sim.py --base … --key K --secret S answer INV… [--abnormal]
    python scripts/apphall_sim.py --base … --key K --secret S event INV… opened

``answer`` fetches the questionnaire (``--repeat N`` sends the same submission N more
times, to see the idempotent 200) and answers it as a customer who picks each choice
question's first option (the app never sees which answers are abnormal: ``--abnormal``
picks the LAST option of the first choice question instead, which in the shipped
questionnaires is the abnormal one; ``--choose QID=OPTION`` sets any answer). Every
request and answer is printed as JSON; the exit code is 0 for a 2xx answer, else 1.
The key and secret are the partner's (``huifang partner create NAME --kind apphall``);
``--key`` / ``--secret`` default to ``HUIFANG_SIM_KEY`` / ``HUIFANG_SIM_SECRET``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import uuid
from pathlib import Path

try:
    from huifang.partners.client import SignedClient
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from huifang.partners.client import SignedClient

API = "/api/v1/apphall"
CHOICE_TYPES = ("single", "multiple", "yes_no")


def build_answers(
    invitation: dict, *, abnormal: bool = False, choose: dict[str, str] | None = None
) -> list[dict]:
    """Answers to the fetched invitation (``GET …/invitations/{code}``'s body)."""
    choose = dict(choose or {})
    answers = []
    twisted = False
    for question in invitation.get("questions", []):
        qid = question["id"]
        options = [o["id"] for o in question.get("options") or []]
        if qid in choose:
            picked = choose.pop(qid)
            if question["type"] in CHOICE_TYPES:
                answers.append({"question": qid, "options": picked.split(",")})
            else:
                answers.append({"question": qid, "text": picked})
        elif question["type"] in CHOICE_TYPES and options:
            option = options[0]
            if abnormal and not twisted and len(options) > 1:
                option, twisted = options[-1], True
            answers.append({"question": qid, "options": [option]})
        elif question.get("required"):
            if question["type"] == "date":
                answers.append({"question": qid, "text": datetime.date.today().isoformat()})
            else:
                answers.append({"question": qid, "text": "模拟回答"})
    return answers


def response_body(invitation: dict, answers: list[dict], submission_id: str | None = None) -> dict:
    return {
        "submission_id": submission_id or f"sim-{uuid.uuid4().hex}",
        "investor_code": invitation["investor_code"],
        "submitted_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "answers": answers,
    }


def list_invitations(client: SignedClient, investor_code: str) -> tuple[int, dict | None]:
    return client.get(f"{API}/customers/{investor_code}/invitations")


def show(client: SignedClient, code: str) -> tuple[int, dict | None]:
    return client.get(f"{API}/invitations/{code}")


def answer(
    client: SignedClient,
    code: str,
    *,
    abnormal: bool = False,
    choose: dict[str, str] | None = None,
    submission_id: str | None = None,
    repeat: int = 0,
) -> tuple[int, dict | None]:
    """Fetch the questionnaire, answer it, submit; ``repeat`` sends the very same body
    that many times more (the answer to the last one is returned: 200, the same body)."""
    status, invitation = show(client, code)
    if status != 200 or invitation is None:
        return status, invitation
    answers = build_answers(invitation, abnormal=abnormal, choose=choose)
    body = response_body(invitation, answers, submission_id)
    for _ in range(1 + max(repeat, 0)):
        status, answered = client.post(f"{API}/invitations/{code}/responses", body)
    return status, answered


def event(client: SignedClient, code: str, kind: str) -> tuple[int, dict | None]:
    body = {
        "event_id": f"sim-{uuid.uuid4().hex}",
        "type": kind,
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    return client.post(f"{API}/invitations/{code}/events", body)


def _choices(pairs: list[str]) -> dict[str, str]:
    chosen = {}
    for pair in pairs:
        qid, sep, value = pair.partition("=")
        if not sep or not qid:
            raise SystemExit(f"--choose 应为 题目id=选项id（多个选项用逗号分隔）：{pair}")
        chosen[qid] = value
    return chosen


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="掌厅模拟器：按对接方的方式签名调用 Huifang 掌厅接口")
    p.add_argument("--base", default="http://127.0.0.1:8000", help="Huifang 的地址")
    p.add_argument("--key", default=os.environ.get("HUIFANG_SIM_KEY", ""), help="对接方 key")
    p.add_argument(
        "--secret", default=os.environ.get("HUIFANG_SIM_SECRET", ""), help="对接方 secret"
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="客户的待答掌厅问卷").add_argument("investor_code")
    sub.add_parser("show", help="一份问卷邀请的题目").add_argument("invitation")
    a = sub.add_parser("answer", help="作答并提交")
    a.add_argument("invitation")
    a.add_argument("--abnormal", action="store_true", help="第一道选择题选最后一项（异常答案）")
    a.add_argument("--choose", action="append", default=[], metavar="QID=OPTION")
    a.add_argument("--submission-id", help="掌厅的提交编号（默认随机）")
    a.add_argument("--repeat", type=int, default=0, help="再原样重发几次（试幂等：200，同一答复）")
    e = sub.add_parser("event", help="上报送达 / 打开")
    e.add_argument("invitation")
    e.add_argument("type", choices=["delivered", "opened"])
    return p


def main(argv: list[str] | None = None, client: SignedClient | None = None) -> int:
    args = parser().parse_args(argv)
    if client is None:
        if not args.key or not args.secret:
            print(
                "请提供 --key 和 --secret（或 HUIFANG_SIM_KEY / HUIFANG_SIM_SECRET）",
                file=sys.stderr,
            )
            return 2
        client = SignedClient(args.base, args.key, args.secret)
    if args.command == "list":
        status, body = list_invitations(client, args.investor_code)
    elif args.command == "show":
        status, body = show(client, args.invitation)
    elif args.command == "answer":
        status, body = answer(
            client,
            args.invitation,
            abnormal=args.abnormal,
            choose=_choices(args.choose),
            submission_id=args.submission_id,
            repeat=args.repeat,
        )
    else:
        status, body = event(client, args.invitation, args.type)
    print(json.dumps({"status": status, "body": body}, ensure_ascii=False, indent=2))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
