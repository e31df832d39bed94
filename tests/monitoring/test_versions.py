"""Plan versions: draft → proposed → agreed → superseded, sign-off, copies, diffs, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.core.models import AuditEvent, Role
from rapport.monitoring import selectors, services
from rapport.monitoring.diff import diff_versions
from rapport.monitoring.models import (
    ChangeRequestStatus,
    PlanMethod,
    PlanStatus,
    PlanTemplate,
    PlanVersion,
)
from tests.factories import ContactFactory, MembershipFactory, UserFactory
from tests.monitoring.builders import agree, draft_plan, sponsor


def _events(instance) -> int:
    return AuditEvent.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk)
    ).count()


def test_a_plan_is_agreed_with_a_contact_of_the_account_and_audited(world):
    version = draft_plan(world)
    services.propose(actor=world.user, version=version)
    version.refresh_from_db()
    assert version.status == PlanStatus.PROPOSED
    foreign = ContactFactory(account=world.other_account)
    with pytest.raises(ValidationError) as error:
        services.agree(
            actor=world.user, version=version, agreed_with=foreign, evidence_reference="x"
        )
    assert "agreed_with" in error.value.message_dict
    contact = sponsor(world)
    with pytest.raises(ValidationError) as error:
        services.agree(actor=world.user, version=version, agreed_with=contact)
    assert "evidence" in error.value.message_dict
    before = _events(version)
    services.agree(
        actor=world.user,
        version=version,
        agreed_with=contact,
        evidence=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 signed", "application/pdf"),
    )
    stored = PlanVersion.objects.get(pk=version.pk)
    assert stored.status == PlanStatus.AGREED
    assert (stored.agreed_with, stored.agreed_by) == (contact, world.user)
    assert stored.agreed_with_name == "Dana Sponsor"
    assert stored.evidence.read() == b"%PDF-1.4 signed"
    assert _events(version) > before
    assert selectors.agreed_version(account=world.account) == stored


def test_only_a_draft_is_edited(world):
    version = agree(world, draft_plan(world))
    with pytest.raises(ValidationError) as error:
        services.update_draft(actor=world.user, version=version, changes={"objectives": "x"})
    assert "status" in error.value.message_dict
    method = version.methods.first()
    with pytest.raises(ValidationError):
        services.update_item(actor=world.user, item=method, data={"title": "changed"})
    with pytest.raises(ValidationError):
        services.delete_item(actor=world.user, item=method)


def test_a_new_version_copies_the_agreed_one_and_supersedes_it_when_agreed(world):
    first = agree(world, draft_plan(world))
    request = services.record_change_request(
        actor=world.user,
        plan=first.plan,
        requested_by=first.agreed_with,
        requested_on=timezone.localdate(),
        description="Please make the sponsor call fortnightly.",
    )
    draft = services.new_version(actor=world.user, plan=first.plan, change_requests=[request])
    request.refresh_from_db()
    assert (draft.number, draft.based_on, draft.status) == (2, first, PlanStatus.DRAFT)
    assert (request.status, request.version) == (ChangeRequestStatus.IN_DRAFT, draft)
    assert draft.objectives == first.objectives
    assert sorted(m.lineage for m in draft.methods.all()) == sorted(
        m.lineage for m in first.methods.all()
    )
    call = draft.methods.get(kind="account_call")
    services.update_item(
        actor=world.user,
        item=call,
        data={"recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"},
    )
    with pytest.raises(ValidationError):  # one open version at a time
        services.new_version(actor=world.user, plan=first.plan)
    agree(world, draft, contact=first.agreed_with)
    first.refresh_from_db()
    request.refresh_from_db()
    assert first.status == PlanStatus.SUPERSEDED
    assert request.status == ChangeRequestStatus.AGREED
    # The old version still shows exactly what was agreed then.
    assert first.methods.get(kind="account_call").recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert selectors.agreed_version(account=world.account).number == 2


def test_the_diff_names_changed_added_and_removed_items_and_long_text_words(world):
    first = agree(world, draft_plan(world))
    draft = services.new_version(actor=world.user, plan=first.plan)
    services.update_draft(
        actor=world.user,
        version=draft,
        changes={
            "objectives": "Keep the sponsor's confidence through the migration and win the "
            "renewal by showing the service levels every month to the board."
        },
    )
    services.update_item(
        actor=world.user,
        item=draft.methods.get(kind="account_call"),
        data={"recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"},
    )
    services.delete_item(actor=world.user, item=draft.methods.get(kind="survey_wave"))
    services.add_item(
        actor=world.user,
        version=draft,
        model=PlanMethod,
        data={"kind": "mystery_shopping", "title": "Mystery shop", "recurrence": "FREQ=YEARLY"},
    )
    result = diff_versions(
        selectors.version_contents(first.pk), selectors.version_contents(draft.pk)
    )
    objectives = next(c for c in result.fields if c.name == "objectives")
    inserted = "".join(s.text for s in objectives.segments if s.op == "insert")
    assert "renewal" in inserted
    assert not [s for s in objectives.segments if s.op == "delete" and "sponsor" in s.text]
    methods = next(d for d in result.lists if d.name == "methods")
    assert methods.added == ["Mystery shop"]
    assert methods.removed == ["CSAT wave"]
    [changed] = methods.changed
    [frequency] = changed.changes
    assert (frequency.old, frequency.new) == (
        "every month on the 1st",
        "every 2 weeks on Monday",
    )
    assert next(d for d in result.lists if d.name == "kpis").empty


def test_sign_off_and_edits_need_the_capability(world):
    version = draft_plan(world)
    agent = UserFactory(username="agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        services.update_draft(actor=agent, version=version, changes={"objectives": "x"})
    with pytest.raises(PermissionDenied):
        services.propose(actor=agent, version=version)
    with pytest.raises(PermissionDenied):
        services.start_plan(actor=world.other_user, account=world.account)


def test_a_plan_starts_from_its_tiers_template(world):
    PlanTemplate.objects.create(
        tier=world.account.tier,
        name="Key accounts",
        objectives="Know what the customer thinks every quarter.",
        methods=[{"kind": "business_review", "recurrence": "FREQ=MONTHLY;INTERVAL=3"}],
        kpis=[{"metric": "nps", "target": 30, "tolerance": 5}],
        reports=[{"report_type": "account_review_pack", "audience": "customer",
                  "recurrence": "FREQ=MONTHLY;INTERVAL=3"}],
    )  # fmt: skip
    version = services.start_plan(actor=world.user, account=world.account)
    assert version.objectives == "Know what the customer thinks every quarter."
    assert [m.kind for m in version.methods.all()] == ["business_review"]
    assert [k.metric for k in version.kpis.all()] == ["nps"]
    assert version.reports.get().audience == "customer"


def test_a_bad_rrule_is_refused_naming_the_field(world):
    version = draft_plan(world)
    with pytest.raises(ValidationError) as error:
        services.add_item(
            actor=world.user,
            version=version,
            model=PlanMethod,
            data={"kind": "account_call", "recurrence": "FREQ=HOURLY"},
        )
    assert "recurrence" in error.value.message_dict


def test_agreement_cannot_be_dated_in_the_future(world):
    version = draft_plan(world)
    services.propose(actor=world.user, version=version)
    with pytest.raises(ValidationError) as error:
        services.agree(
            actor=world.user,
            version=version,
            agreed_with=sponsor(world),
            agreed_at=timezone.now() + timedelta(days=2),
            evidence_reference="x",
        )
    assert "agreed_at" in error.value.message_dict
