"""The demo company behind ``huifang demo``: generated data, loaded through the real import
path, and one login per role and branch.

Running it again changes nothing that is already right: the data is generated from a fixed
seed and upserted by the importer, users are updated in place, and the demo password is
the one stored in ``HUIFANG_DATA_DIR/demo_password`` unless ``--password`` replaces it.
"""

from __future__ import annotations

import datetime
import os
import secrets
import string
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from huifang.demo import names, outreach, surveys, synthetic, workload
from huifang.org.models import Branch, Role, User
from huifang.org.services import do_create_user, do_set_password, do_update_user

DEMO_SEED = 20250101
DEMO_ACTIVE_SHARE = 0.2  # ~150k daily rows for the default 3,000 customers
DEMO_REGIONS, DEMO_OFFICES = 2, 2  # 总部 → 2 分公司 → 2 营业部 each: 16 logins
DATASETS = ("branches", "customers", "daily", "products")
PASSWORD_FILE = "demo_password"

Say = Callable[[str], None]


class DemoError(Exception):
    """The demo could not be built (an import refused its file)."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    branch_code: str
    branch_name: str
    full_name: str
    password: str


def default_year(today: datetime.date | None = None) -> int:
    """The last complete calendar year before today."""
    return (today or datetime.date.today()).year - 1


def demo_spec(customers: int, year: int, seed: int = DEMO_SEED) -> synthetic.CompanySpec:
    return synthetic.CompanySpec(
        customers=customers,
        active_share=DEMO_ACTIVE_SHARE,
        year=year,
        seed=seed,
        regions=DEMO_REGIONS,
        offices=DEMO_OFFICES,
        chunk=50_000,
    )


def password_path() -> Path:
    return Path(settings.DATA_DIR) / PASSWORD_FILE


def resolve_password(explicit: str | None) -> tuple[str, bool]:
    """The demo password and whether it is new: ``explicit`` (then stored), else the stored
    one, else a freshly generated one (stored, mode 600)."""
    path = password_path()
    if not explicit and path.exists():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored, False
    password = explicit or _new_password()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    os.chmod(path, 0o600)
    return password, True


def _new_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "Hf-" + "".join(secrets.choice(alphabet) for _ in range(12))


def user_plan(spec: synthetic.CompanySpec) -> list[tuple[str, str, str]]:
    """(username, role, branch code) for every demo login.

    ``hq_admin`` and ``auditor`` sit at 总部 ``01``; each 分公司 and 营业部 has
    ``<code>_manager``; each 营业部 has ``<code>_agent1`` and ``<code>_agent2``.
    """
    plan = [("hq_admin", Role.HQ_ADMIN, "01"), ("auditor", Role.AUDITOR, "01")]
    for code, _, parent in synthetic.branch_tree(spec):
        if not parent:
            continue
        plan.append((f"{code}_manager", Role.BRANCH_MANAGER, code))
        if len(code) == 6:
            plan += [(f"{code}_agent{k}", Role.AGENT, code) for k in (1, 2)]
    return plan


def ensure_users(spec: synthetic.CompanySpec, password: str, *, reset: bool) -> list[DemoLogin]:
    """Create or update the demo users through the org services.

    ``reset`` (a new or explicitly given password) sets every user's password; otherwise
    the stored password is reused and existing users keep theirs (hashing is deliberately
    slow, ~0.25 s a user, so a re-run does not re-hash sixteen passwords to find nothing).
    """
    plan = user_plan(spec)
    branches = {b.code: b for b in Branch.objects.filter(code__in={c for _, _, c in plan})}
    missing = sorted({c for _, _, c in plan} - set(branches))
    if missing:
        raise DemoError(f"缺少部门：{'、'.join(missing)}（请先导入部门）")
    existing = {u.username: u for u in User.objects.filter(username__in=[p[0] for p in plan])}
    logins = []
    for i, (username, role, code) in enumerate(plan):
        branch = branches[code]
        full_name = names.STAFF_NAMES[i % len(names.STAFF_NAMES)]
        user = existing.get(username)
        if user is None:
            user = do_create_user(
                username=username,
                password=password,
                branch=branch,
                role=role,
                full_name=full_name,
                by_operator=True,
            )
        else:
            user = do_update_user(
                user, full_name=full_name, branch=branch, role=role, is_active=True
            )
            if reset or not user.has_usable_password():
                do_set_password(user, password, message="演示账号密码", by_operator=True)
        logins.append(DemoLogin(username, Role(role).label, code, branch.name, full_name, password))
    return logins


def load_company(generated: synthetic.GeneratedCompany, say: Say) -> dict:
    """Import the four files through the product's import path, all or nothing per file."""
    try:
        from huifang.customers.importers import import_file
    except ImportError as exc:
        raise DemoError(f"标准数据接口的导入模块不可用：{exc}") from exc

    results = {}
    for dataset in DATASETS:
        path = generated.files[dataset]
        result = import_file(dataset, path, file_name=f"demo/{path.name}")
        if not result.ok:
            details = "\n".join(str(e) for e in list(result.errors)[:10])
            raise DemoError(f"演示数据 {path.name} 导入失败：\n{details}")
        say(
            f"{dataset}: 新增 {result.created}，更新 {result.updated}，"
            f"未变 {result.unchanged}，拒绝 {result.rejected}"
        )
        results[dataset] = result
    return results


def build_demo(
    *, customers: int, password: str | None, year: int, say: Say, seed: int = DEMO_SEED
) -> list[DemoLogin]:
    """Generate, import and create the logins; returns the logins to print."""
    spec = demo_spec(customers, year, seed)
    with tempfile.TemporaryDirectory(prefix="huifang-demo-") as tmp:
        generated = synthetic.generate(tmp, spec)
        say(
            f"已生成演示数据：{generated.counts['customers']} 名客户，"
            f"{generated.active} 名活跃客户的 {generated.counts['daily']} 条资金日报"
            f"（{year} 年 {generated.trading_days} 个交易日），"
            f"{generated.counts['products']} 条高风险产品记录"
        )
        load_company(generated, say)
    secret, is_new = resolve_password(password)
    logins = ensure_users(spec, secret, reset=bool(password) or is_new)
    workload.ensure_workload(year, say)
    surveys.ensure_surveys(say)
    outreach.ensure_outreach(say)
    return logins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(logins: list[DemoLogin]) -> str:
    """The logins as an aligned text table (CJK characters count double)."""
    header = ("用户名", "角色", "部门", "姓名", "密码")
    rows = [
        (x.username, x.role, f"{x.branch_code} {x.branch_name}", x.full_name, x.password)
        for x in logins
    ]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
