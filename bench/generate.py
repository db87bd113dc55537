#!/usr/bin/env python
"""Write a synthetic futures company as the four standard-data-interface CSV files.

    bench/generate.py --customers 1000000 --active-share 0.3 --year 2025 --out var/bench/1m

See ``huifang.demo.synthetic`` for what the data looks like.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from huifang.demo.synthetic import CompanySpec, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--active-share", type=float, default=0.3)
    parser.add_argument("--year", type=int, default=datetime.date.today().year - 1)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    spec = CompanySpec(
        customers=args.customers, active_share=args.active_share, year=args.year, seed=args.seed
    )

    def progress(stage: str, done: int, total: int) -> None:
        if done == total or done % 20 == 0:
            print(f"\r{stage}: {done}/{total}", end="\n" if done == total else "", flush=True)

    result = generate(args.out, spec, progress)
    rows = sum(result.counts.values())
    print(
        f"{result.counts['customers']} customers ({result.active} active), "
        f"{result.counts['daily']} daily rows over {result.trading_days} trading days, "
        f"{result.counts['products']} product rows → {args.out} "
        f"in {result.seconds:.1f} s ({rows / result.seconds:,.0f} rows/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
