"""Text benchmark: the enrichment pipeline on synthetic customer comments, on one core.

    rapport bench text [--comments 20000] [--labelled 3000] [--batch 500] [--seed 1]

Builds realistic comments (one to four sentences over 20 themes, mixed sentiment, some with
e-mail addresses, phone numbers and contacts' names), a 20-theme taxonomy, and a theme
classifier trained on separately generated labelled comments. Measured: rapport.text.pipeline
.enrich (language, sentiment per comment and sentence, taxonomy + classifier themes,
redaction with 2,000 known names) in batches, pinned to one CPU with one BLAS/OpenMP thread;
then each stage alone, to show where the time goes. Baseline: VADER's polarity_scores alone on
the same comments, in the same run. Goal: at least 1,500 comments/s per core.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from threadpoolctl import threadpool_limits

from benchmarks._common import fail, heading, stopwatch, verdict

GOAL_RATE = 1500.0
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # name: (taxonomy phrases, sentence fragments that mention the theme)
    "Delivery": (("deliver*", "courier", "parcel"),
                 ("the delivery was two days late", "the courier left the parcel outside",
                  "shipping took far too long")),
    "Billing": (("invoice*", "billing", "charged"),
                ("we were charged twice this month", "the invoice had the wrong VAT",
                 "billing keeps sending reminders we already paid")),
    "Support": (("support", "helpdesk", "service desk"),
                ("support answered within the hour", "the helpdesk closed our ticket unsolved",
                 "nobody from support called back")),
    "Account management": (("account manager", "relationship manager"),
                           ("our account manager is proactive", "we rarely hear from the account "
                            "manager", "the new relationship manager knows our business")),
    "Product quality": (("quality", "defect*", "broken"),
                        ("the last batch had several defects", "quality has improved a lot",
                         "two units arrived broken")),
    "Pricing": (("price*", "pricing", "expensive"),
                ("prices went up again without notice", "pricing is fair for what we get",
                 "it is more expensive than competitors")),
    "Onboarding": (("onboarding", "set-up", "setup"),
                   ("onboarding was smooth", "the setup took weeks longer than promised",
                    "onboarding documents were confusing")),
    "Website": (("website", "portal", "web site"),
                ("the portal is slow in the mornings", "the website search is useless",
                 "ordering on the portal is easy")),
    "Mobile app": (("app", "mobile app", "android", "iphone"),
                   ("the app crashes on android", "the mobile app is great for approvals",
                    "the app logs us out constantly")),
    "Communication": (("communicat*", "kept informed", "updates"),
                      ("communication during the outage was poor", "we were kept informed "
                       "throughout", "weekly updates would help")),
    "Reporting": (("report*", "dashboard"),
                  ("the monthly report is always late", "the dashboard figures do not match",
                   "reports are clear and useful")),
    "Training": (("training", "webinar*", "workshop"),
                 ("the training session was excellent", "we need more training for new staff",
                  "the webinar was too basic")),
    "Contract": (("contract", "renewal", "terms"),
                 ("the renewal terms were unclear", "the contract is too rigid",
                  "renewal was handled quickly")),
    "Returns": (("return*", "refund*", "exchange"),
                ("the refund took six weeks", "returns are easy to arrange",
                 "we are still waiting for the exchange")),
    "Stock availability": (("out of stock", "stock", "backorder*"),
                           ("items are often out of stock", "stock levels have improved",
                            "too many lines on backorder")),
    "Installation": (("install*", "engineer", "fitting"),
                     ("the engineer installed everything in a day", "installation was messy",
                      "the fitting team left debris behind")),
    "Security": (("security", "password", "two-factor"),
                 ("security checks are reassuring", "password resets take too long",
                  "two-factor login is a pain")),
    "Integration": (("integration", "api", "sync*"),
                    ("the API integration keeps failing", "sync with our ERP works well",
                     "integration docs are out of date")),
    "Response time": (("response time", "waiting", "waited"),
                      ("response times are excellent", "we waited three days for an answer",
                       "waiting times on the phone are long")),
    "Staff attitude": (("friendly", "rude", "polite", "attitude"),
                       ("staff are always friendly", "the driver was rude",
                        "your team is polite and professional")),
}  # fmt: skip
OPENERS = ("", "Overall good. ", "Very disappointed. ", "Thanks for a great year! ",
           "Not happy at all. ", "Mixed feelings. ", "Honestly, ")  # fmt: skip
CLOSERS = ("", " Keep it up!", " Please fix this.", " Would recommend.", " We may not renew.",
           " Thanks.")  # fmt: skip
FIRST = ("Anna", "James", "Priya", "Lucas", "Chloé", "Tom", "Fatima", "Jan", "Maria", "Oliver")
LAST = ("Smith", "Jones", "Patel", "Dubois", "Müller", "Rossi", "van Dijk", "García", "Brown")


def comments(count: int, seed: int, names: list[str]) -> tuple[list[str], list[str]]:
    """Synthetic comments and the theme each is mostly about."""
    rng = random.Random(seed)
    theme_names = list(THEMES)
    texts, labels = [], []
    for _ in range(count):
        theme = rng.choice(theme_names)
        parts = [rng.choice(THEMES[theme][1]).capitalize() + "."]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            parts.append(rng.choice(THEMES[rng.choice(theme_names)][1]).capitalize() + ".")
        roll = rng.random()
        if roll < 0.05:
            parts.append(
                f"Email me at {rng.choice(FIRST).lower()}.x{rng.randint(1, 99)}@example.com."
            )
        elif roll < 0.10:
            parts.append(f"Call me on 07700 9{rng.randint(10000, 99999)}.")
        elif roll < 0.15:
            parts.append(f"Ask {rng.choice(names)} for details.")
        texts.append(rng.choice(OPENERS) + " ".join(parts) + rng.choice(CLOSERS))
        labels.append(theme)
    return texts, labels


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rapport bench text", description=__doc__)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--labelled", type=int, default=3_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.comments < 1 or args.batch < 1:
        return fail("--comments and --batch must be positive")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, whatever else runs
    with threadpool_limits(limits=1):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from rapport.text.language import detect
    from rapport.text.pipeline import enrich
    from rapport.text.redact import NameMatcher, redact
    from rapport.text.sentiment import analyse, vader_compound
    from rapport.text.taxonomy import Taxonomy, Theme
    from rapport.text.themes import fit_theme_model

    heading(f"text benchmark: {args.comments:,} comments, 20 themes, one core")
    rng = random.Random(args.seed)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}{i}" for i in range(2000)]
    names[:90] = [f"{f} {last}" for f in FIRST for last in LAST]  # the ones comments mention
    texts, _ = comments(args.comments, args.seed, names[:90])
    taxonomy = Taxonomy(tuple(Theme(name, phrases) for name, (phrases, _) in THEMES.items()))
    with stopwatch(f"train the theme classifier on {args.labelled:,} labelled comments"):
        model = fit_theme_model(*comments(args.labelled, args.seed + 1, names[:90]))
    matcher = NameMatcher.from_names(names)
    enrich(texts[:50], taxonomy=taxonomy, theme_model=model, known_names=matcher)  # warm up

    started = time.perf_counter()
    vader_compound(texts)
    base_rate = len(texts) / (time.perf_counter() - started)
    print(f"  baseline  VADER polarity_scores alone: {base_rate:,.0f} comments/s")

    started = time.perf_counter()
    themed = redacted = 0
    for i in range(0, len(texts), args.batch):
        for result in enrich(
            texts[i : i + args.batch], taxonomy=taxonomy, theme_model=model, known_names=matcher
        ):
            themed += bool(result.themes)
            redacted += bool(result.redacted.found)
    seconds = time.perf_counter() - started
    rate = len(texts) / seconds
    print(f"  measured  enrich (language, sentiment, themes, redaction): {seconds:.1f} s"
          f" = {rate:,.0f} comments/s per core")  # fmt: skip
    print(f"  {themed:,} comments got themes, {redacted:,} had something redacted")
    print(f"  ratio to baseline: {rate / base_rate:.2f}× VADER alone")
    stages = {
        "language": lambda: detect(texts),
        "sentiment (comment + sentences)": lambda: analyse(texts),
        "taxonomy rules": lambda: taxonomy.match(texts),
        "theme classifier": lambda: model.predict(texts),
        "redaction": lambda: redact(texts, names=matcher),
    }
    for label, stage in stages.items():
        started = time.perf_counter()
        stage()
        print(f"    stage {label:<32} {len(texts) / (time.perf_counter() - started):>9,.0f}/s")
    ok = verdict("comments/s per core", f"{rate:,.0f}", f">= {GOAL_RATE:,.0f}", rate >= GOAL_RATE)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
