"""An audit event keeps who did it after that user is deleted (issue 9, item 5).

The actor's username is written with the event (AuditEvent.actor_name), so deleting the
user in the admin, which empties the `actor` link, leaves the name (decision 43).
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from rapport.core.models import AuditAction, AuditEvent, User
from rapport.core.services import record_audit
from rapport.customers import services


def test_deleting_a_user_in_the_admin_keeps_the_name_on_their_events(world):
    services.update_account(actor=world.user, account=world.account, changes={"segment": "Food"})
    event = AuditEvent.objects.get(object_type="customers.account", actor=world.user)
    assert event.actor_name == "alice"
    admin = Client()
    admin.force_login(world.admin)

    deleted = admin.post(reverse("admin:core_user_delete", args=[world.user.pk]), {"post": "yes"})

    assert deleted.status_code == 302
    assert not User.objects.filter(username="alice").exists()
    event.refresh_from_db()
    assert (event.actor_id, event.actor_name) == (None, "alice")
    changelist = admin.get(reverse("admin:core_auditevent_changelist"))
    assert '<td class="field-actor_name">alice</td>' in changelist.content.decode()
    found = admin.get(reverse("admin:core_auditevent_changelist"), {"q": "alice"})
    assert [e.pk for e in found.context["cl"].result_list] == [event.pk]


def test_an_anonymous_write_has_no_name(world):
    event = record_audit(actor=None, action=AuditAction.UPDATE, instance=world.account)
    assert (event.actor_id, event.actor_name) == (None, "")
