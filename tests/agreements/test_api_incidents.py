"""The incident API end to end: templates (422 naming the field), an incident, notices sent by
e-mail and logged when given by phone, alternatives and the customer's choice read back."""

from __future__ import annotations

from rapport.agreements.models import AffectedAccount, Alternative, Notice
from rapport.notifications.services import deliver_due

JSON = "application/json"


def test_incident_through_the_api(smtp_server, api_client, world, north):
    bad = api_client.post(
        "/api/v1/notice-templates",
        {"team": world.team.pk, "name": "x", "kind": "incident", "subject": "s", "body": "{x.y}"},
        content_type=JSON,
    )
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("body:")
    template = api_client.post(
        "/api/v1/notice-templates",
        {
            "team": world.team.pk,
            "name": "Short",
            "kind": "incident",
            "subject": "{incident_title}",
            "body": "Hello {contact_name}, {what_we_offer}",
        },
        content_type=JSON,
    ).json()
    created = api_client.post(
        "/api/v1/incidents",
        {
            "team": world.team.pk,
            "title": "Price rise",
            "kind": "price_change",
            "description": "4 % from March",
            "started_at": "2026-03-01T00:00:00+00:00",
            "ended_at": "2026-02-01T00:00:00+00:00",
            "accounts": [north.account.pk],
        },
        content_type=JSON,
    )
    assert created.status_code == 422  # ends before it starts
    assert created.json()["detail"].startswith("ended_at:")
    created = api_client.post(
        "/api/v1/incidents",
        {
            "team": world.team.pk,
            "title": "Price rise",
            "kind": "price_change",
            "description": "4 % from March",
            "started_at": "2026-03-01T00:00:00+00:00",
            "what_we_offer": "the old price until June",
            "accounts": [north.account.pk],
        },
        content_type=JSON,
    )
    assert created.status_code == 201
    incident = created.json()
    affected_id = incident["affected"][0]["id"]
    sent = api_client.post(
        f"/api/v1/incidents/{incident['id']}/notify",
        {"template": template["id"], "contacts": [north.dm.pk, north.influencer.pk]},
        content_type=JSON,
    )
    assert sent.status_code == 201
    assert sorted(n["status"] for n in sent.json()) == ["due", "queued"]
    deliver_due(limit=10)
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == "Price rise"
    assert message.get_content().strip() == "Hello Dana Maker, the old price until June"
    phone = Notice.objects.get(contact=north.influencer)
    done = api_client.post(
        f"/api/v1/notices/{phone.pk}/done", {"summary": "Called"}, content_type=JSON
    )
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    listed = api_client.get(f"/api/v1/incidents/{incident['id']}/notices").json()
    assert {n["status"] for n in listed["items"]} == {"queued", "done"}
    first = api_client.post(
        f"/api/v1/incident-accounts/{affected_id}/alternatives",
        {
            "description": "Old price until June",
            "cost_to_us": "1500",
            "benefit_to_customer": "1500",
        },
        content_type=JSON,
    ).json()
    api_client.post(
        f"/api/v1/incident-accounts/{affected_id}/alternatives",
        {"description": "A longer contract at 2 %", "provider": "inside"},
        content_type=JSON,
    )
    chose = api_client.post(
        f"/api/v1/alternatives/{first['id']}/choose",
        {"agreed_outcome": "Old price until June, then 4 %"},
        content_type=JSON,
    )
    assert chose.status_code == 200
    read = api_client.get(f"/api/v1/incidents/{incident['id']}").json()
    alternatives = read["affected"][0]["alternatives"]
    assert [(a["description"], a["chosen"]) for a in alternatives] == [
        ("Old price until June", True),
        ("A longer contract at 2 %", False),
    ]
    assert read["affected"][0]["agreed_outcome"] == "Old price until June, then 4 %"
    assert Alternative.objects.get(chosen=True).currency == north.account.currency
    assert AffectedAccount.objects.get().account_id == north.account.pk
    # Another team's user: 404 for every id of the incident.
    from django.test import Client

    bob = Client()
    bob.force_login(world.other_user)
    assert bob.get(f"/api/v1/incidents/{incident['id']}").status_code == 404
    assert bob.get(f"/api/v1/notices/{phone.pk}").status_code == 404
    assert bob.get(f"/api/v1/alternatives/{first['id']}").status_code == 404
    assert bob.get("/api/v1/incidents").json()["count"] == 0
