"""Every report type rendered for the demo data in every format: PDF pages non-blank, XLSX
reopened with the selectors' own numbers, CSV tables, the web page; and the customer audience
never sees an internal-only value, in any format."""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal

import pytest

from rapport.analytics.rollups.selectors import snapshots_for
from rapport.analytics.variance.channels import channel_variance_for
from rapport.customers.models import Account, AccountStakeholder, Contact, Stance
from rapport.notifications import services as notifications
from rapport.notifications.models import EmailDelivery
from rapport.reports import delivery
from rapport.reports.generation import document_for
from rapport.reports.registry import REPORT_TYPES
from rapport.reports.rendering import render_fragment
from tests.reports.helpers import (
    generated,
    make_definition,
    output,
    pdf_pages_non_blank,
    pdf_text,
    xlsx_cells,
)

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils absent")
AUDIENCES = ("executive", "account_team", "customer")


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("report_type", sorted(REPORT_TYPES))
def test_every_type_in_every_format(demo, report_type, audience) -> None:
    definition = make_definition(demo.user, demo.account, report_type, audience)
    run = generated(definition, demo.user)
    assert run.status == "review"
    assert run.steps_done == run.steps_total > 0
    [(name, pdf)] = output(run, "pdf")
    assert pdf.startswith(b"%PDF")
    assert name.endswith(".pdf")
    pages = pdf_pages_non_blank(pdf)
    assert len(pages) >= 3
    assert all(pages)
    [(_, xlsx)] = output(run, "xlsx")
    sheets = xlsx_cells(xlsx)
    assert sheets["Summary"][0][0] == definition.name
    assert output(run, "csv")
    assert "<section" in render_fragment(document_for(run))


def test_portfolio_xlsx_numbers_are_the_portfolio_snapshots(demo) -> None:
    definition = make_definition(
        demo.user,
        demo.account,
        "portfolio_summary",
        "executive",
        related={"accounts": [], "recipients": [demo.user.pk]},
    )
    run = generated(definition, demo.user)
    [(_, xlsx)] = output(run, "xlsx")
    rows = xlsx_cells(xlsx)["Accounts"]
    header, body = rows[0], rows[1:]
    accounts = {a.name: a.pk for a in Account.objects.filter(team_id=demo.account.team_id)}
    assert len(body) == len(accounts)
    views = snapshots_for(accounts.values(), ["nps", "csat"])
    compared = 0
    for row in body:
        record = dict(zip(header, row, strict=True))
        pk = accounts[record["Account"]]
        for metric, column, n_column in (
            ("nps", "NPS (90 days)", "NPS n"),
            ("csat", "CSAT % (90 days)", "CSAT n"),
        ):
            view = views.get((pk, metric))
            expected = view.current.value if view and view.current.enough else None
            if expected is None:
                assert record[column] is None
            else:
                assert record[column] == pytest.approx(expected, abs=0.05)
                compared += 1
            assert record[n_column] == (view.current.n if view else 0)
        value = Account.objects.get(pk=pk).annual_value
        assert record["Annual value"] == pytest.approx(float(value))
    assert compared > 0


def test_review_pack_xlsx_variances_are_the_analytics_pages(demo) -> None:
    definition = make_definition(demo.user, demo.account, "account_review_pack", "account_team")
    run = generated(definition, demo.user)
    [(_, xlsx)] = output(run, "xlsx")
    sheets = xlsx_cells(xlsx)
    table = next(v for k, v in sheets.items() if k.startswith("Key variances"))
    header, body = table[0], table[1:]
    for row in body:
        record = dict(zip(header, row, strict=True))
        metric = {"NPS": "nps", "CSAT": "csat"}[record["Metric"]]
        page = channel_variance_for(demo.account, metric, as_of=run.period_end)
        assert record["n"] == page.current.n
        if page.current.enough:
            assert record["Last 90 days"] == pytest.approx(page.current.value, abs=0.05)
        if page.target is not None:
            assert record["Target"] == page.target.value


PLANTED_NOTE = "Planted internal note 7Q3X"


@pytest.fixture
def planted(demo):
    """Internal-only values planted in the demo account: value, cost to serve (so a margin),
    a stakeholder's internal note, a contact's stance; another account's name stands for other
    customers' data."""
    account = demo.account
    Account.objects.filter(pk=account.pk).update(
        annual_value=Decimal("9876543.00"), cost_to_serve=Decimal("1234321.00")
    )
    account.refresh_from_db()
    stake = AccountStakeholder.objects.filter(account=account).first()
    assert stake is not None
    stake.notes = PLANTED_NOTE
    stake.save()
    Contact.objects.filter(account=account).update(stance=Stance.CRITIC)
    other = (
        Account.objects.filter(team_id=account.team_id)
        .exclude(pk=account.pk)
        .order_by("name")
        .first()
    )
    assert other is not None
    return {
        "values": [
            "9876543",
            "9,876,543",
            "1234321",
            "1,234,321",
            "8642222",
            "8,642,222",
            PLANTED_NOTE,
            other.name,
            "Critic",
        ],
        "headers": ["cost to serve", "Margin", "Annual value"],
    }


@pytest.mark.parametrize("report_type", sorted(REPORT_TYPES))
def test_customer_reports_never_show_internal_fields(
    demo, planted, report_type, smtp_server
) -> None:
    internal = make_definition(demo.user, demo.account, report_type, "account_team")
    internal_run = generated(internal, demo.user)
    internal_text = pdf_text(output(internal_run, "pdf")[0][1])
    if report_type == "account_review_pack":  # the control: the planted values are there
        assert "9,876,543" in internal_text
        assert PLANTED_NOTE in internal_text

    contact = Contact.objects.filter(account=demo.account).exclude(email="").first()
    definition = make_definition(
        demo.user,
        demo.account,
        report_type,
        "customer",
        related={
            "accounts": [demo.account.pk],
            "recipients": [demo.user.pk],
            "contact_recipients": [contact.pk],
        },
    )
    run = generated(definition, demo.user)
    outputs = [pdf_text(output(run, "pdf")[0][1]), render_fragment(document_for(run))]
    for sheet in xlsx_cells(output(run, "xlsx")[0][1]).values():
        outputs.append("\n".join(" ".join(str(c) for c in row if c is not None) for row in sheet))
    for _, data in output(run, "csv"):
        outputs.append("\n".join(",".join(r) for r in csv.reader(io.StringIO(data.decode()))))
    owner = demo.account.owner
    from rapport.reports import services

    # The demo's own queued e-mails (alerts, reminders) are not this test's: leave them unsent.
    EmailDelivery.objects.update(next_due_at=None)
    services.approve_run(actor=owner, run=run)
    assert delivery.deliver_approved() == 1
    assert notifications.deliver_due() >= 2
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    for message in messages:
        outputs.append(message.get_body(("plain",)).get_content())
        [attachment] = list(message.iter_attachments())
        outputs.append(pdf_text(attachment.get_content()))
    for text in outputs:
        for value in planted["values"]:
            assert value not in text, f"{value!r} in a customer-facing {report_type}"
        for header in planted["headers"]:
            assert header.lower() not in text.lower(), (
                f"{header!r} in a customer-facing {report_type}"
            )
