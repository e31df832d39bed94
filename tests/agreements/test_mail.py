"""Notices by e-mail, read from a real SMTP server (aiosmtpd): the template rendered for each
contact, nothing to a contact without consent, the preferred channel respected, and the
communication logged."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rapport.agreements import services
from rapport.agreements.models import AgreementChange, Notice
from rapport.customers.models import Communication
from rapport.notifications.models import EmailDelivery
from rapport.notifications.services import deliver_due
from tests.factories import ContactFactory


def _deliver(smtp_server, count):
    deliver_due(limit=50)
    return smtp_server.wait_for(count)


def test_incident_notices_are_mailed_from_the_template(
    smtp_server, world, north, incident, incident_template
):
    other_dm = ContactFactory(
        account=north.account, name="Eve Mail", decision_role="decision_maker"
    )
    notices = services.notify_incident(
        actor=world.user, incident=incident, template=incident_template
    )
    # Every key contact not yet told: the decision makers, then the influencer.
    assert [n.contact.name for n in notices] == [
        "Dana Maker",
        "Eve Mail",
        "Nora Consent",
        "Ian Fluence",
    ]
    messages = _deliver(smtp_server, 2)
    assert len(messages) == 2
    by_to = {m["To"]: m for m in messages}
    assert set(by_to) == {north.dm.email, other_dm.email}
    dana = by_to[north.dm.email]
    assert dana["Subject"] == "Warehouse outage: what it means for Acme Foods"
    body = dana.get_content()
    assert body.startswith("Dear Dana Maker,")
    assert "Warehouse outage affects Acme Foods since" in body
    assert "What we offer: delivery from Bristol at no extra cost." in body
    assert "Dear Eve Mail," in by_to[other_dm.email].get_content()
    # No e-mail to the contact without consent, nor to the one who prefers the phone.
    assert north.silent.email not in {m["X-Envelope-To"] for m in messages}
    assert north.influencer.email not in {m["X-Envelope-To"] for m in messages}
    assert Notice.objects.get(contact=north.silent).status == "skipped"
    assert Notice.objects.get(contact=north.influencer).status == "due"
    queued = Notice.objects.get(contact=north.dm)
    assert queued.status == "queued"
    assert EmailDelivery.objects.get(pk=queued.email_delivery_id).sent_at is not None
    # One e-mail communication logged with the two contacts e-mailed.
    logged = Communication.objects.get()
    assert logged.channel == "email"
    assert set(logged.contacts.all()) == {north.dm, other_dm}


def test_agreement_change_is_logged_and_mailed(smtp_server, world, north):
    no_address = ContactFactory(account=north.account, name="No Address", email="")
    meeting = ContactFactory(account=north.account, name="Mia Meet", preferred_channel="meeting")
    change = services.record_agreement_change(
        actor=world.user,
        account=north.account,
        fields={
            "subject": "expectation",
            "expectation": north.expectation,
            "what_changed": "Delivery window",
            "before": "within 24 hours",
            "after": "within 36 hours on Sundays",
            "effective_on": timezone.localdate() + dt.timedelta(days=7),
        },
        contacts=[north.dm, north.silent, no_address, meeting],
    )
    messages = _deliver(smtp_server, 1)
    assert [m["To"] for m in messages] == [north.dm.email]
    body = messages[0].get_content()
    assert "What changed: Delivery window" in body
    assert "Before: within 24 hours" in body
    assert "Now: within 36 hours on Sundays" in body
    stored = AgreementChange.objects.get(pk=change.pk)
    assert stored.communication is not None
    assert list(stored.communication.contacts.all()) == [north.dm]
    statuses = {n.contact.name: (n.status, n.skip_reason) for n in stored.notices.all()}
    assert statuses == {
        "Dana Maker": ("queued", ""),
        "Nora Consent": ("skipped", "no consent to be contacted"),
        "No Address": ("skipped", "no e-mail address"),
        "Mia Meet": ("due", ""),
    }
    mia = stored.notices.get(contact=meeting)
    assert mia.assigned_to == world.user  # the account owner gets the task


def test_agreement_change_from_a_template(smtp_server, world, north):
    template = services.create_template(
        actor=world.user,
        team=world.team,
        fields={
            "name": "Terms",
            "kind": "agreement_change",
            "subject": "New terms for {account_name}",
            "body": "Hello {contact_name}: {incident_title} from {start}. Now: {what_we_offer}",
        },
    )
    services.record_agreement_change(
        actor=world.user,
        account=north.account,
        fields={
            "subject": "other",
            "what_changed": "Invoice day",
            "after": "the 1st of each month",
            "effective_on": dt.date(2030, 1, 1),
        },
        contacts=[north.dm],
        template=template,
    )
    (message,) = _deliver(smtp_server, 1)
    assert message["Subject"] == "New terms for Acme Foods"
    assert message.get_content().strip() == (
        "Hello Dana Maker: Invoice day from 01 Jan 2030. Now: the 1st of each month"
    )


def test_the_change_form_tells_the_chosen_contacts(smtp_server, user_client, world, north):
    answer = user_client.post(
        f"/accounts/{north.account.pk}/expectations/change/",
        {
            "subject": "other",
            "what_changed": "Account team",
            "after": "Sam is your new account manager",
            "effective_on": "2030-02-01",
            "contacts": [north.dm.pk, north.influencer.pk],
        },
    )
    assert answer.status_code == 302
    (message,) = _deliver(smtp_server, 1)
    assert message["To"] == north.dm.email
    page = user_client.get(f"/accounts/{north.account.pk}/expectations/").content.decode()
    assert "Account team" in page
    assert "Ian Fluence: Phone — To do" in page
