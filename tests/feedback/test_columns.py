"""Columns mapped by letter or position, and names shared by several columns (SurveyMonkey
gives each sub-question's column the question's text)."""

from __future__ import annotations

import html

from django.urls import reverse

from rapport.feedback.models import ImportJob, ImportStatus, Response
from tests.feedback.helpers import counts, errors, import_lines

SHARED = "How satisfied were you?"
LINES = (
    f"account,external_id,submitted_at,{SHARED},{SHARED},{SHARED},comment",
    "A-1,m1,2025-03-04,1,2,3,fine",
)


def test_columns_sharing_a_name_are_reached_by_letter_or_position(accounts, world):
    job = import_lines(
        world.user,
        *LINES,
        mapping={"answers": {"speed": SHARED, "quality": "E", "price": "#6"}},
    )
    assert counts(job) == (1, 1, 0, 0, 0), (job.error, errors(job))
    assert Response.objects.get().answers == {"speed": 1, "quality": 2, "price": 3}


def test_a_mapped_name_that_matches_several_columns_is_a_warning_on_the_job(
    accounts, world, client
):
    job = import_lines(world.user, *LINES, mapping={"answers": {"speed": SHARED}})
    assert job.status == ImportStatus.SUCCEEDED
    warning = (
        f"{SHARED!r} (for answer speed) names columns D, E, F; column D is used. To use "
        'another, map it by letter or position (e.g. "E" or "#5")'
    )
    assert ImportJob.objects.get(pk=job.pk).warnings == [warning]
    client.force_login(world.user)
    page = client.get(reverse("feedback:import", args=[job.pk])).content.decode()
    assert "names columns D, E, F; column D is used" in html.unescape(page)


def test_a_letter_or_position_beyond_the_file_is_an_error(accounts, world):
    job = import_lines(world.user, *LINES, mapping={"answers": {"a": "H", "b": "#9"}})
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith(
        "mapped column(s) not found: 'H' (for answer a), '#9' (for answer b). "
    )
    assert job.error.endswith(
        '(a column may also be named by its letter, "C", or its position, "#3", up to G and #7)'
    )
    assert not Response.objects.exists()


def test_a_header_name_wins_over_the_same_letters(accounts, world):
    """ "ID" is also a column letter (the 238th); a column named so is found by its name."""
    job = import_lines(
        world.user,
        "account,ID,submitted_at,B",
        "A-1,i1,2025-03-04,7",
        mapping={"columns": {"external_id": "ID"}, "answers": {"b": "B"}},
    )
    assert counts(job) == (1, 1, 0, 0, 0), (job.error, errors(job))
    assert Response.objects.values_list("external_id", "answers").get() == ("i1", {"b": 7})
