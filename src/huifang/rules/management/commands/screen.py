"""``huifang screen --as-of DATE [--rules …] [--param CODE.KEY=VALUE …] [--branch CODE]
[--freeze [--allow-incomplete]] [--out FILE.csv|.xlsx]`` — run a screening from the command
line.

A D after today or after the newest daily data gives incomplete figures: the command says
so (before the last line, which stays the run id alone with ``--freeze``), and freezing
such a run needs ``--allow-incomplete`` (stored on the run and audited)."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.core.dates import parse_day
from huifang.core.exporter import Exporter
from huifang.core.filtersets import within_dates
from huifang.core.output_files import output_path
from huifang.rules import engine, evidence, services
from huifang.rules import params as P
from huifang.rules.completeness import data_gap
from huifang.rules.forms import parse_overrides
from huifang.rules.models import Hit


class Command(BaseCommand):
    help = "按规则筛选客户；--freeze 数据落地并在最后一行输出筛选编号；--out 导出 csv/xlsx"

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", required=True, help="回访基准日（2025-12-31、2025/12/31 或 20251231）"
        )
        parser.add_argument("--rules", default="", help="规则编号，逗号分隔；默认全部启用的规则")
        # interfaces.md writes [--param CODE.KEY=VALUE …]: several after one --param, or
        # --param repeated, both work.
        parser.add_argument(
            "--param",
            action="extend",
            nargs="+",
            default=[],
            metavar="CODE.KEY=VALUE",
            help="仅本次生效的参数，可写多个或重复 --param",
        )
        parser.add_argument(
            "--branch", action="append", default=[], help="部门代码（含下级），可重复"
        )
        parser.add_argument(
            "--customer-type",
            action="append",
            default=[],
            help="客户类型（自然人/一般法人/特殊法人，或 natural/legal/special），可重复",
        )
        parser.add_argument("--exclude-dormant", action="store_true", help="排除休眠客户")
        parser.add_argument(
            "--daily-only", action="store_true", help="只用日报计算（不用月度汇总）"
        )
        parser.add_argument("--freeze", action="store_true", help="数据落地：保存筛选并输出编号")
        parser.add_argument(
            "--allow-incomplete",
            action="store_true",
            help="与 --freeze 同用：基准日晚于今天或最新日报日期时，确认仍按不完整的数据落地",
        )
        parser.add_argument("--out", help="输出文件（.csv 或 .xlsx）")

    def handle(self, *args, **options):
        try:
            as_of = parse_day(options["as_of"])
            within_dates(as_of)
        except ValueError as exc:
            raise CommandError(f"--as-of {exc}") from exc
        except ValidationError as exc:
            raise CommandError(f"--as-of {exc.messages[0]}") from exc
        out = options.get("out")
        if out:
            output_path(out)  # before a run is frozen: a bad --out leaves nothing behind
        try:
            overrides = parse_overrides(options["param"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["allow_incomplete"] and not options["freeze"]:
            raise CommandError("--allow-incomplete 只能与 --freeze 一起使用")
        rules = [c.strip() for c in options["rules"].split(",") if c.strip()] or None
        kwargs = dict(
            rules=rules,
            overrides=overrides,
            branches=options["branch"],
            customer_types=options["customer_type"],
            exclude_dormant=options["exclude_dormant"],
            use_aggregates=not options["daily_only"],
        )
        with audit.acting(label="command:screen"):
            gap = data_gap(as_of)
            if gap is not None:
                self.stdout.write(self.style.WARNING(f"警告：{gap.message}"))
                if options["freeze"] and not options["allow_incomplete"]:
                    raise CommandError(gap.command_refusal)
            try:
                for spec in engine.resolve_rules(rules, overrides):
                    if text := P.empty_period(spec.code, spec.params, as_of):
                        self.stdout.write(self.style.WARNING(f"警告：{text}"))
                if options["freeze"]:
                    kwargs["allow_incomplete"] = options["allow_incomplete"]
                    self.frozen(as_of, out, kwargs)
                else:
                    self.preview(as_of, out, kwargs)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc

    def preview(self, as_of, out, kwargs):
        specs = engine.resolve_rules(kwargs.pop("rules"), kwargs.pop("overrides"))
        counts: Counter = Counter()
        total = 0
        if out:
            # The file is written straight from the statement's rows (no hit object per
            # customer); the counts are taken from the same rows as they go by.
            table = engine.screen_table(as_of, specs, **kwargs)
            # Counted by the rows' code lists (``,A001,A003,``: a few distinct ones), each
            # list's codes added once at the end.
            lists: Counter = Counter()
            if table.names:
                at = table.index("rule_codes")
                table.rows = _tally(table.rows, at, lists)
            Exporter(
                lambda table: evidence.table_rows(as_of, table),
                queryset=table,
                name="screening",
                title=f"筛选预览 {as_of:%Y-%m-%d}",
                sheet="数据",
                model=Hit,
                filters=self.describe(as_of, kwargs),
            ).write(out)
            for codes, n in lists.items():
                total += n
                for code in codes.strip(",").split(","):
                    counts[code] += n
        else:
            for hit in engine.screen(as_of, specs, **kwargs):
                total += 1
                counts.update(hit.codes)
        for spec in specs:
            self.stdout.write(f"{spec.code} {spec.name}：{counts[spec.code]}")
        self.stdout.write(f"命中客户：{total}")
        if out:
            self.stdout.write(f"已写入 {out}")

    @staticmethod
    def describe(as_of, kwargs) -> str:
        """The preview's selection, for the export's audit row."""
        labels = {"branches": "部门", "customer_types": "客户类型", "exclude_dormant": "排除休眠"}
        parts = [f"基准日={as_of:%Y-%m-%d}"]
        for key, label in labels.items():
            value = kwargs.get(key)
            if value:
                parts.append(f"{label}={'/'.join(value) if isinstance(value, list) else '是'}")
        if not kwargs.get("use_aggregates", True):
            parts.append("只用日报")
        return "，".join(parts)

    def frozen(self, as_of, out, kwargs):
        run = services.do_run_screening(as_of, freeze=True, actor=None, **kwargs)
        for rr in run.run_rules.order_by("code"):
            self.stdout.write(f"{rr.code} {rr.name}：{rr.hit_count}")
        self.stdout.write(f"命中客户：{run.hit_count}")
        if out:
            Exporter(
                lambda hits: evidence.run_rows(run, hits),
                queryset=Hit.objects.filter(run=run),
                name=f"screening_{run.pk}",
                title=str(run),
                sheet="数据",
                subject=run,
            ).write(out)
            self.stdout.write(f"已写入 {out}")
        self.stdout.write(str(run.pk))


def _tally(rows, at: int, lists: Counter):
    """``rows`` as they are, counting their values at position ``at`` into ``lists``."""
    for row in rows:
        lists[row[at]] += 1
        yield row
