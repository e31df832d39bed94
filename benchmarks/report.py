"""Report benchmark: an account review pack (six charts and its tables) as PDF, against six
simple Vega-Lite charts drawn to SVG and printed to a PDF by WeasyPrint in the same run; a
portfolio summary of 2,000 accounts.

    rapport bench report [--scale 0.05] [--seed 7] [--repeat 3] [--keep]

Goals: the review pack ≤ 1.5 s, the portfolio summary for 2,000 accounts ≤ 10 s. Ends with the
line `review pack: N s`.
"""

from __future__ import annotations

import argparse
import io
import time
from typing import Any

from benchmarks._common import heading, setup_django, stopwatch, temp_data_dir, verdict

GOAL_PACK = 1.5
GOAL_PORTFOLIO = 10.0
PORTFOLIO_ACCOUNTS = 2_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rapport bench report", description=__doc__)
    # At 0.3 the busiest account has the responses to draw all six charts.
    parser.add_argument("--scale", type=float, default=0.3, help="sample data scale")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (best kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    return parser.parse_args(argv)


def baseline_seconds() -> float:
    """Six simple Vega-Lite charts → SVG (vl-convert) → one PDF (WeasyPrint)."""
    import altair as alt
    import vl_convert as vlc
    from weasyprint import HTML

    started = time.perf_counter()
    svgs = []
    for i in range(6):
        data = alt.Data(values=[{"x": m, "y": (m * (i + 3)) % 17} for m in range(12)])
        chart = alt.Chart(data).mark_line(point=True).encode(x="x:Q", y="y:Q").properties(width=500)
        svgs.append(vlc.vegalite_to_svg(chart.to_dict(validate=False)))
    HTML(string="<html><body>" + "".join(svgs) + "</body></html>").write_pdf()
    return time.perf_counter() - started


def timed_run(definition: Any, user: Any) -> tuple[float, Any]:
    """Queue a run and generate it: the bench runs tasks immediately, so the task generates it
    when the queueing commits (generate_one then finds it done); timed from the request."""
    from rapport.reports import generation, services

    started = time.perf_counter()
    run = services.queue_run(actor=user, definition=definition)
    generation.generate_one(run.pk)
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    if run.status == "failed":
        raise RuntimeError(run.error)
    return seconds, run


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    heading(f"report benchmark: sample data (seed {args.seed}, scale {args.scale:g})")
    with temp_data_dir(args.keep) as root:
        with stopwatch("migrate a fresh database"):
            setup_django(root)
        from django.db.models import Count

        from rapport.core.models import User
        from rapport.customers.models import Account
        from rapport.reports import services
        from rapport.sampledata.load import load_demo
        from rapport.sampledata.plan import DEMO_USERNAME

        with stopwatch("load the sample data"):
            load_demo(seed=args.seed, stdout=io.StringIO(), scale=args.scale)
        user = User.objects.get(username=DEMO_USERNAME)
        account = (
            Account.objects.filter(team__memberships__user=user)
            .annotate(answers=Count("responses"))
            .order_by("-answers")
            .first()
        )
        assert account is not None
        pack = services.create_definition(
            actor=user,
            team_id=account.team_id,
            fields={
                "name": "Bench review pack",
                "report_type": "account_review_pack",
                "audience": "account_team",
                "formats": ["pdf"],
            },
            related={"accounts": [account.pk]},
        )
        baseline = min(baseline_seconds() for _ in range(args.repeat))
        pack_times = []
        for _ in range(args.repeat):
            seconds, run = timed_run(pack, user)
            pack_times.append(seconds)
        charts = sum(b["kind"] == "chart" for s in run.document["sections"] for b in s["blocks"])
        pack_best = min(pack_times)
        print(f"\n  baseline: six simple charts → SVG → PDF: {baseline:.2f} s")
        print(
            f"  review pack of {account.name} ({charts} charts): "
            f"{pack_best:.2f} s best of {args.repeat} (first {pack_times[0]:.2f} s), "
            f"{pack_best / baseline:.1f} × the baseline"
        )

        existing = Account.objects.filter(team_id=account.team_id).count()
        Account.objects.bulk_create(
            Account(name=f"Bench account {i:05d}", team_id=account.team_id, annual_value=1000 + i)
            for i in range(max(0, PORTFOLIO_ACCOUNTS - existing))
        )
        summary = services.create_definition(
            actor=user,
            team_id=account.team_id,
            fields={
                "name": "Bench portfolio summary",
                "report_type": "portfolio_summary",
                "audience": "executive",
                "formats": ["pdf", "xlsx"],
            },
        )
        portfolio_seconds, run = timed_run(summary, user)
        print(
            f"  portfolio summary of {PORTFOLIO_ACCOUNTS:,} accounts (PDF and XLSX): "
            f"{portfolio_seconds:.2f} s"
        )
        ok = verdict(
            "review pack", f"{pack_best:.2f} s", f"≤ {GOAL_PACK} s", pack_best <= GOAL_PACK
        )
        ok &= verdict(
            "portfolio summary",
            f"{portfolio_seconds:.2f} s",
            f"≤ {GOAL_PORTFOLIO} s",
            portfolio_seconds <= GOAL_PORTFOLIO,
        )
        print(f"review pack: {pack_best:.2f} s")
        return 0 if ok else 1
