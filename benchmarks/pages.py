"""Pages benchmark: server time of every page a key-account manager opens, on the demo data.

    rapport bench pages [--repeat 20] [--scale 1.0] [--seed 7] [--keep]

Loads the sample data (`rapport demo`'s) into a fresh database, signs in as the demo user and
requests each page through django.test.Client: the first (cold) request, then `--repeat`
timed requests after two warm-up ones. Baseline: `/healthz` through the same middleware, timed
the same way, so each page's figure is also shown as a multiple of a bare request. Also shown:
the median CPU time of this process per request (SQLite's work included, as it runs in the
process), which a loaded machine stretches far less than the wall time. Goal: every page's
p95 (wall time) at most 200 ms warm. Ends with the line `slowest page: NAME p95 N ms`.
"""

from __future__ import annotations

import argparse
import io
import time
from typing import Any

from benchmarks._common import (
    Timing,
    fail,
    heading,
    ms,
    percentile,
    setup_django,
    stopwatch,
    temp_data_dir,
    verdict,
)

GOAL_P95 = 0.200
WARM_UPS = 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rapport bench pages", description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--scale", type=float, default=1.0, help="sample data scale")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    return parser.parse_args(argv)


def pages() -> dict[str, str]:
    """Name → URL of each page, with the demo's busiest account and its records."""
    from django.db.models import Count
    from django.urls import reverse

    from rapport.customers.models import Account, Commitment

    account = Account.objects.annotate(answers=Count("responses")).order_by("-answers").first()
    if account is None:
        raise RuntimeError("the sample data has no account")
    a = {"account_id": account.pk}
    commitment = Commitment.objects.filter(account=account).first()
    found = {
        "portfolio": reverse("customers:portfolio"),
        "portfolio, sorted by NPS, page 2": reverse("customers:portfolio") + "?sort=nps&page=2",
        "account": reverse("customers:account", kwargs=a),
        "account feedback (partial)": reverse("customers:account-feedback", kwargs=a),
        "account analytics": reverse("analytics:account", kwargs=a),
        "account health & profit": reverse("analytics:health", kwargs=a),
        "account SWOT": reverse("analytics:swot", kwargs=a),
        "account themes (partial)": reverse("enrichment:account-themes", kwargs=a),
        "account edit": reverse("customers:account-edit", kwargs=a),
        "portfolio health & risk": reverse("analytics:portfolio-health"),
        "portfolio SWOT": reverse("analytics:portfolio-swot"),
        "customer types": reverse("analytics:customer-types"),
        "imports": reverse("feedback:imports"),
        "themes": reverse("enrichment:themes"),
        "labelling queue": reverse("enrichment:label"),
        "API tokens": reverse("api-tokens"),
    }
    if commitment is not None:
        found["commitment edit"] = reverse(
            "customers:related-edit", kwargs={"kind": "commitments", "pk": commitment.pk}
        )
    return found


def timed(client: Any, url: str, repeat: int) -> tuple[float, Timing, float]:
    """The cold request's time, then `repeat` warm ones, and their median CPU time."""
    started = time.perf_counter()
    first = client.get(url)
    cold = time.perf_counter() - started
    if first.status_code != 200:
        raise RuntimeError(f"GET {url} answered {first.status_code}")
    for _ in range(WARM_UPS):
        client.get(url)
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return cold, Timing(tuple(samples)), percentile(cpu, 50)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    heading(f"pages benchmark: sample data (seed {args.seed}, scale {args.scale:g})")
    with temp_data_dir(args.keep) as root:
        with stopwatch("migrate a fresh database"):
            setup_django(root)
        from django.test import Client

        from rapport.core.models import User
        from rapport.sampledata.load import load_demo
        from rapport.sampledata.plan import DEMO_USERNAME

        with stopwatch("load the sample data"):
            load_demo(seed=args.seed, stdout=io.StringIO(), scale=args.scale)
        client = Client()
        client.force_login(User.objects.get(username=DEMO_USERNAME))
        _, baseline, _ = timed(client, "/healthz", args.repeat)
        base = percentile(baseline.samples, 50)
        print(f"\n  baseline GET /healthz: {baseline.describe()}\n")
        print(f"  {'page':<34} {'cold':>9} {'median':>9} {'p95':>9} {'× /healthz':>11}"
              f" {'CPU median':>11}")  # fmt: skip
        results: list[tuple[str, float]] = []
        for name, url in pages().items():
            try:
                cold, timing, cpu = timed(client, url, args.repeat)
            except RuntimeError as error:
                return fail(str(error))
            median = percentile(timing.samples, 50)
            results.append((name, timing.p95))
            print(
                f"  {name:<34} {ms(cold):>9} {ms(median):>9} {ms(timing.p95):>9} "
                f"{median / base:>10.0f}× {ms(cpu):>11}",
                flush=True,
            )
        slowest, worst = max(results, key=lambda r: r[1])
        print()
        ok = verdict("slowest page p95", ms(worst), f"<= {ms(GOAL_P95)}", worst <= GOAL_P95)
        print(f"\n{'PASS' if ok else 'FAIL'}: pages benchmark")
        print(f"slowest page: {slowest} p95 {worst * 1000:.0f} ms", flush=True)
        return 0 if ok else 1
