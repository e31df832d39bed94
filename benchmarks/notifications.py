"""Notifications benchmark: what delivering through the queue costs, and the inbox count.

    rapport bench notifications [--messages 2000] [--users 200] [--per-user 500]
                                [--database-url postgres://USER@HOST:PORT/] [--keep]

1. Delivery. `--messages` e-mails are queued with `queue_email` and sent by `deliver_due`
   (claims ten at a time, sends, ends each claim with the UPDATE that marks it sent, writes an
   attempt row) through Django's in-memory mail backend. Baseline: the same messages built and
   sent through one connection of the same backend with no database at all. Shown: time per
   message of both and their ratio (what the queue adds). Goal: at least 50 messages a second
   for one worker.
2. Inbox count. `--users` × `--per-user` notifications (one in ten unread) ; the count in the
   navigation of every page (`registrations.unread_count`) is timed 200 times for one user.
   Baseline: a primary-key lookup of that user through the ORM, timed the same way. Goal: p95
   at most 10 ms (on a quiet machine the median is within 2× the baseline's).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import timedelta

from benchmarks._common import (
    Timing,
    heading,
    ms,
    percentile,
    scratch_postgres,
    setup_django,
    stopwatch,
    temp_data_dir,
    verdict,
)

GOAL_RATE = 50.0  # messages a second, one worker (each ends with its own commit)
GOAL_COUNT_P95 = 0.010
REPEAT = 200


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rapport bench notifications", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    heading(f"notifications benchmark: {args.messages:,} e-mails, inbox of {args.per_user:,}")
    os.environ["RAPPORT_EMAIL_URL"] = "memory://"
    with temp_data_dir(args.keep) as root, scratch_postgres(args.database_url) as database_url:
        with stopwatch("migrate a fresh database"):
            setup_django(root, database_url)
        ok = delivery(args.messages)
        ok = inbox_count(args.users, args.per_user) and ok
    return 0 if ok else 1


def delivery(count: int) -> bool:
    from django.conf import settings
    from django.core import mail
    from django.core.mail import EmailMultiAlternatives, get_connection

    from rapport.notifications import services

    heading("delivery")
    started = time.perf_counter()
    connection = get_connection()
    connection.open()
    connection.send_messages(
        [
            EmailMultiAlternatives(
                subject=f"Message {i}",
                body="Hello",
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[f"person{i}@example.com"],
                headers={"Message-ID": f"<baseline-{i}@rapport>"},
            )
            for i in range(count)
        ]
    )
    connection.close()
    baseline = (time.perf_counter() - started) / count
    mail.outbox.clear()

    started = time.perf_counter()
    for i in range(count):
        services.queue_email(
            to=[f"person{i}@example.com"], subject=f"Message {i}", body="Hello", team=None
        )
    queued = (time.perf_counter() - started) / count
    started = time.perf_counter()
    sent = services.deliver_due(limit=count)
    per_message = (time.perf_counter() - started) / count
    if sent != count or len(mail.outbox) != count:
        print(f"  sent {sent}, outbox {len(mail.outbox)}: expected {count}")
        return False
    print(f"  baseline (send only, no database)  {ms(baseline)} a message")
    print(f"  queue_email                         {ms(queued)} a message")
    print(
        f"  deliver_due (claim, send, mark)     {ms(per_message)} a message, "
        f"{per_message / baseline:.1f} × the baseline"
    )
    rate = 1 / per_message
    return verdict("messages a second", f"{rate:,.0f}", f">= {GOAL_RATE:.0f}", rate >= GOAL_RATE)


def inbox_count(users: int, per_user: int) -> bool:
    from django.http import HttpRequest
    from django.utils import timezone

    from rapport.core.models import User
    from rapport.notifications.models import Notification
    from rapport.notifications.registrations import unread_count

    heading("inbox count")
    with stopwatch(f"write {users * per_user:,} notifications"):
        people = User.objects.bulk_create(User(username=f"u{i}") for i in range(users))
        now = timezone.now()
        for person in people:
            Notification.objects.bulk_create(
                (
                    Notification(
                        recipient=person,
                        kind="alert.opened",
                        subject="s",
                        created_at=now - timedelta(minutes=i),
                        read_at=None if i % 10 == 0 else now,
                    )
                    for i in range(per_user)
                ),
                batch_size=5000,
            )
    user = people[users // 2]
    request = HttpRequest()
    request.user = user

    def timed(call: Callable[[], object]) -> Timing:
        samples = []
        for _ in range(REPEAT + 5):
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
        return Timing(tuple(samples[5:]))  # the first five warm the connection

    expected = -(-per_user // 10)
    if unread_count(request) != expected:
        print(f"  unread {unread_count(request)}, expected {expected}")
        return False
    baseline = timed(lambda: User.objects.filter(pk=user.pk).exists())
    counted = timed(lambda: unread_count(request))
    print(f"  baseline (user by primary key)   {baseline.describe()}")
    print(f"  unread count ({expected} of {per_user})   {counted.describe()}")
    ratio = percentile(counted.samples, 50) / percentile(baseline.samples, 50)
    print(f"  ratio of medians                 {ratio:.1f}")
    return verdict(
        "unread count p95",
        ms(counted.p95),
        f"<= {ms(GOAL_COUNT_P95)}",
        counted.p95 <= GOAL_COUNT_P95,
    )
