"""Monitoring adherence: the share of planned monitoring activities done on time (monitoring's
own `adherence` reads, with their Wilson intervals), for the scope and per account."""

from __future__ import annotations

from rapport.core import formats
from rapport.monitoring.selectors import adherence, adherence_by_account
from rapport.reports import charts
from rapport.reports.document import Column, Document, Figure
from rapport.reports.registry import BuildContext, ReportType, register_type

KEY = "monitoring_adherence"


def _interval(a: object) -> tuple[float | None, float | None]:
    estimate = getattr(a, "interval", None)
    if estimate is None:
        return None, None
    return 100 * estimate.low, 100 * estimate.high


def build(ctx: BuildContext) -> Document:
    doc = Document(
        title=ctx.title,
        subtitle="Monitoring adherence",
        report_type=KEY,
        audience=ctx.audience,
        period_start=ctx.period_start,
        period_end=ctx.period_end,
        as_of=ctx.as_of.isoformat(),
    )
    overall = adherence(accounts=ctx.accounts, start=ctx.period_start, end=ctx.period_end)
    per_account = adherence_by_account(
        accounts=ctx.accounts, start=ctx.period_start, end=ctx.period_end
    )
    names = dict(ctx.accounts.values_list("pk", "name"))
    ctx.progress("activities counted")
    summary = doc.section("summary", "Adherence to the monitoring plans")
    low, high = _interval(overall)
    summary.figures(
        [
            Figure(
                "Planned activities done on time",
                None if overall.share is None else 100 * overall.share,
                low,
                high,
                n=overall.due,
                unit="%",
                decimals=1,
                note=f"{overall.done_on_time} of {overall.due} due in the period; "
                f"{overall.done_late} done late",
            ),
            Figure("Activities due", overall.due),
            Figure("Done late", overall.done_late),
        ]
    )
    summary.paragraph(
        "An activity counts as on time when it was done by its due date; the share comes with "
        "its 95 % Wilson interval, as on the monitoring pages."
    )
    rows = []
    for pk, a in sorted(per_account.items(), key=lambda item: names.get(item[0], "")):
        if pk not in names:
            continue
        low, high = _interval(a)
        rows.append(
            [
                names[pk],
                a.due,
                a.done_on_time,
                a.done_late,
                None if a.share is None else round(100 * a.share, 1),
                "" if low is None or high is None else formats.interval(low, high, 1),
            ]
        )
    section = doc.section("accounts", "By account")
    section.chart(
        "Share of planned activities done on time, by account",
        charts.horizontal_bars(
            [{"account": r[0], "share": r[4]} for r in rows if r[4] is not None],
            label="account",
            value="share",
            title="Done on time (%)",
            description="Share of planned activities done on time per account: "
            + "; ".join(f"{r[0]} {r[4]} %" for r in rows if r[4] is not None),
        ),
    )
    section.table(
        "adherence",
        "Planned activities by account",
        [
            Column("account", "Account"),
            Column("due", "Due", "int"),
            Column("on_time", "Done on time", "int"),
            Column("late", "Done late", "int"),
            Column("share", "On time %", "number", decimals=1),
            Column("interval", "95 % interval"),
        ],
        rows,
    )
    ctx.progress("document built")
    return doc


MONITORING_ADHERENCE = register_type(
    ReportType(
        key=KEY,
        label="Monitoring adherence",
        description="The share of planned monitoring activities done on time, with its "
        "interval, for the scope and per account.",
        build=build,
        sections=(("summary", "Adherence to the monitoring plans"), ("accounts", "By account")),
        steps=2,
    )
)
