"""Incidents: accounts only of the incident's team (every path), notices through each
contact's preferred channel with consent respected, tasks logged when done, and the effect on
the accounts' metrics against a hand computation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.agreements import selectors, services
from rapport.agreements.models import AffectedAccount, Incident, Notice
from rapport.analytics.rollups.services import rebuild_rollups
from rapport.core.models import AuditEvent
from rapport.customers.models import Communication
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

JSON = "application/json"


def _fields(**extra):
    return {
        "title": "Price change",
        "kind": "price_change",
        "severity": "medium",
        "description": "List prices rise 4 %.",
        "started_at": timezone.now() - dt.timedelta(days=1),
        **extra,
    }


# --- another team's accounts ------------------------------------------------------------------


def test_service_refuses_another_teams_account(world, north):
    with pytest.raises(ValidationError) as refused:
        services.create_incident(
            actor=world.user,
            team=world.team,
            fields=_fields(),
            account_ids=[north.account.pk, world.other_account.pk],
        )
    assert "accounts" in refused.value.message_dict
    assert not Incident.objects.exists()
    incident = services.create_incident(
        actor=world.user, team=world.team, fields=_fields(), account_ids=[north.account.pk]
    )
    with pytest.raises(ValidationError):
        services.set_affected_accounts(
            actor=world.user, incident=incident, account_ids=[world.other_account.pk]
        )
    assert list(incident.affected.values_list("account_id", flat=True)) == [north.account.pk]


def test_api_refuses_another_teams_account(api_client, world, north):
    body = {
        "team": world.team.pk,
        "title": "Outage",
        "kind": "outage",
        "description": "Down",
        "started_at": "2026-01-05T09:00:00+00:00",
        "accounts": [world.other_account.pk],
    }
    created = api_client.post("/api/v1/incidents", body, content_type=JSON)
    assert created.status_code == 422
    assert "accounts" in created.json()["detail"]
    assert not Incident.objects.exists()
    # Another team as the incident's team: refused as unknown.
    other = api_client.post(
        "/api/v1/incidents",
        {**body, "team": world.other_team.pk, "accounts": []},
        content_type=JSON,
    )
    assert other.status_code == 422
    ok = api_client.post(
        "/api/v1/incidents", {**body, "accounts": [north.account.pk]}, content_type=JSON
    )
    assert ok.status_code == 201
    pk = ok.json()["id"]
    patched = api_client.patch(
        f"/api/v1/incidents/{pk}",
        {"accounts": [north.account.pk, world.other_account.pk]},
        content_type=JSON,
    )
    assert patched.status_code == 422
    assert list(AffectedAccount.objects.values_list("account_id", flat=True)) == [north.account.pk]


def test_web_form_refuses_another_teams_account(user_client, world, north):
    data = {
        "team": world.team.pk,
        "title": "Delay",
        "kind": "delay",
        "severity": "low",
        "description": "Ships late",
        "started_at": "2026-01-05T09:00",
        "accounts": [north.account.pk, world.other_account.pk],
    }
    answer = user_client.post("/incidents/new/", data)
    assert answer.status_code == 400  # not a choice: South's account is not offered
    assert not Incident.objects.exists()
    # The team posted is South's, which alice may not manage: not a choice either.
    answer = user_client.post(
        "/incidents/new/", {**data, "team": world.other_team.pk, "accounts": []}
    )
    assert answer.status_code == 400
    assert not Incident.objects.exists()
    answer = user_client.post("/incidents/new/", {**data, "accounts": [north.account.pk]})
    assert answer.status_code == 302
    incident = Incident.objects.get()
    edit = user_client.post(
        f"/incidents/{incident.pk}/edit/", {**data, "accounts": [world.other_account.pk]}
    )
    assert edit.status_code == 400
    assert list(incident.affected.values_list("account_id", flat=True)) == [north.account.pk]


def test_an_admin_cannot_mix_teams_either(world, north):
    with pytest.raises(ValidationError):
        services.create_incident(
            actor=world.admin,
            team=world.team,
            fields=_fields(),
            account_ids=[world.other_account.pk],
        )


# --- notices ----------------------------------------------------------------------------------


def test_notices_follow_the_preferred_channel_and_consent(
    world, north, incident, incident_template
):
    letter = ContactFactory(
        account=north.account,
        name="Leo Letter",
        decision_role="sponsor",
        preferred_channel="letter",
    )
    notices = services.notify_incident(
        actor=world.user,
        incident=incident,
        template=incident_template,
        contact_ids=[north.influencer.pk, north.silent.pk, letter.pk],
    )
    by_contact = {n.contact_id: n for n in notices}
    phone = by_contact[north.influencer.pk]
    assert (phone.status, phone.channel, phone.assigned_to) == ("due", "phone", world.user)
    assert phone.due_on == timezone.localdate() + dt.timedelta(days=1)  # high severity
    assert "Dear Ian Fluence" in phone.body
    assert "delivery from Bristol at no extra cost" in phone.body
    assert phone.subject == "Warehouse outage: what it means for Acme Foods"
    assert by_contact[north.silent.pk].status == "skipped"
    assert by_contact[north.silent.pk].skip_reason == "no consent to be contacted"
    assert by_contact[letter.pk].channel == "letter"
    assert not Communication.objects.exists()  # nothing was said yet
    # The owner's due list and the navigation count.
    assert set(selectors.due_notices(world.user)) == {phone, by_contact[letter.pk]}
    assert selectors.due_notice_count(world.other_user) == 0
    # A contact already told is not told again.
    with pytest.raises(ValidationError):
        services.notify_incident(
            actor=world.user,
            incident=incident,
            template=incident_template,
            contact_ids=[north.influencer.pk],
        )
    # Only key contacts of the affected accounts may be chosen.
    with pytest.raises(ValidationError):
        services.notify_incident(
            actor=world.user,
            incident=incident,
            template=incident_template,
            contact_ids=[north.user_contact.pk],
        )
    services.complete_notice(actor=world.user, notice=phone, summary="Called Ian, he agreed")
    phone.refresh_from_db()
    assert (phone.status, phone.done_by) == ("done", world.user)
    logged = Communication.objects.get()
    assert (logged.channel, logged.summary) == ("call", "Called Ian, he agreed")
    assert list(logged.contacts.all()) == [north.influencer]
    assert AuditEvent.objects.filter(object_type="agreements.notice").count() == 4


def test_key_contacts_come_decision_makers_first(world, north):
    ContactFactory(account=north.account, name="Aaron Sponsor", decision_role="sponsor")
    names = [c.name for c in services.key_contacts([north.account.pk])]
    assert names == ["Dana Maker", "Nora Consent", "Ian Fluence", "Aaron Sponsor"]


def test_template_placeholders_are_checked_and_rendered_safely(world):
    for body in ("{contact.__class__}", "{nope}", "{contact_name!r}", "{start:>10}", "{"):
        with pytest.raises(ValidationError) as bad:
            services.create_template(
                actor=world.user,
                team=world.team,
                fields={"name": "x", "kind": "incident", "subject": "s", "body": body},
            )
        assert "body" in bad.value.message_dict
    from rapport.agreements.templating import render

    assert render("{{literal}} {contact_name}", {"contact_name": "<b>Ann</b>"}) == (
        "{literal} <b>Ann</b>"
    )


def test_notify_page_previews_then_sends(user_client, world, north, incident, incident_template):
    preview = user_client.get(f"/incidents/{incident.pk}/notify/")
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Dear Dana Maker" in html
    assert "no consent: will not be contacted" in html
    sent = user_client.post(
        f"/incidents/{incident.pk}/notify/",
        {"template": incident_template.pk, "contacts": [north.influencer.pk]},
    )
    assert sent.status_code == 302
    notice = Notice.objects.get()
    assert notice.contact == north.influencer
    detail = user_client.get(f"/incidents/{incident.pk}/")
    assert "To do" in detail.content.decode()
    done = user_client.post(f"/notices/{notice.pk}/done/", {"summary": "Rang him"})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "done"


# --- the effect -------------------------------------------------------------------------------


def _responses(account, day, scores):
    london = ZoneInfo("Europe/London")
    for i, score in enumerate(scores):
        ResponseFactory(
            account=account,
            nps=score,
            csat=None,
            submitted_at=dt.datetime.combine(day, dt.time(10 + i % 8), tzinfo=london),
        )


def test_effect_against_a_hand_computation(world, north, incident):
    second = AccountFactory(team=world.team, name="Zenith Retail")
    services.set_affected_accounts(
        actor=world.user, incident=incident, account_ids=[north.account.pk, second.pk]
    )
    start = timezone.localtime(incident.started_at).date()
    before_day, after_day = start - dt.timedelta(days=10), start + dt.timedelta(days=3)
    # North: before 6 promoters, 2 passives, 2 detractors (NPS +40); after 2, 2, 6 (−40).
    _responses(north.account, before_day, [10] * 6 + [8] * 2 + [3] * 2)
    _responses(north.account, after_day, [9] * 2 + [7] * 2 + [0] * 6)
    # Zenith: before 5 promoters, 5 detractors (0); after 5 promoters, 0 others (+100).
    _responses(second, before_day, [9] * 5 + [6] * 5)
    _responses(second, after_day, [10] * 5)
    # Outside the windows: ignored.
    _responses(north.account, start - dt.timedelta(weeks=5), [0] * 20)
    _responses(north.account, start + dt.timedelta(weeks=5), [10] * 20)
    rebuild_rollups()

    effect = selectors.incident_effect(incident=incident, metric="nps", weeks=4)
    rows = {row.label: row for row in effect.accounts}
    north_row, zenith_row = rows["Acme Foods"], rows["Zenith Retail"]
    assert (north_row.before.n, north_row.after.n) == (10, 10)
    assert north_row.before.value == pytest.approx(40.0)
    assert north_row.after.value == pytest.approx(-40.0)
    assert north_row.difference == pytest.approx(-80.0)
    assert north_row.low < -80 < north_row.high
    assert zenith_row.before.value == pytest.approx(0.0)
    assert zenith_row.after.value == pytest.approx(100.0)
    # Pooled: before 11 promoters, 2 passives, 7 detractors of 20 → +20;
    # after 7 promoters, 2 passives, 6 detractors of 15 → 1/15 = +6.67.
    assert effect.overall.before.n == 20
    assert effect.overall.after.n == 15
    assert effect.overall.before.value == pytest.approx(20.0)
    assert effect.overall.after.value == pytest.approx(100 / 15)
    assert effect.overall.difference == pytest.approx(100 / 15 - 20)
    assert effect.overall.before.low < 20 < effect.overall.before.high
    # The API gives the same figures.
    from django.test import Client

    client = Client()
    client.force_login(world.user)
    body = client.get(f"/api/v1/incidents/{incident.pk}/effect", {"weeks": 4}).json()
    assert body["overall"]["before"]["value"] == pytest.approx(20.0)
    assert client.get(f"/incidents/{incident.pk}/?metric=bogus").status_code == 400


def test_incident_page_queries_are_bounded(
    user_client, world, north, incident, incident_template, django_assert_max_num_queries
):
    services.notify_incident(
        actor=world.user,
        incident=incident,
        template=incident_template,
        contact_ids=[north.influencer.pk, north.silent.pk],
    )
    user_client.get(f"/incidents/{incident.pk}/")
    with django_assert_max_num_queries(20) as few:
        user_client.get(f"/incidents/{incident.pk}/")
    baseline = len(few.captured_queries)
    for i in range(4):
        account = AccountFactory(team=world.team, name=f"More {i}")
        ContactFactory(account=account, decision_role="influencer", preferred_channel="meeting")
        services.set_affected_accounts(
            actor=world.user,
            incident=incident,
            account_ids=[*list(incident.affected.values_list("account_id", flat=True)), account.pk],
        )
    services.notify_incident(actor=world.user, incident=incident, template=incident_template,
                             contact_ids=[c.pk for c in services.key_contacts(
                                 incident.affected.values_list("account_id", flat=True))
                                 if c.preferred_channel == "meeting"])  # fmt: skip
    with django_assert_max_num_queries(baseline):
        user_client.get(f"/incidents/{incident.pk}/")


def test_the_effect_window_defaults_to_the_incidents_length(world, incident):
    assert selectors.effect_weeks(incident) == selectors.EFFECT_WEEKS  # not ended yet
    incident.ended_at = incident.started_at + dt.timedelta(days=38)
    assert selectors.effect_weeks(incident) == 6
    incident.ended_at = incident.started_at + dt.timedelta(hours=5)
    assert selectors.effect_weeks(incident) == 2
    incident.ended_at = incident.started_at + dt.timedelta(days=400)
    assert selectors.effect_weeks(incident) == 12
