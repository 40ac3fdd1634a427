"""No two teams read the same: a team's name shows as a public tournament's organiser, so a
second "Owls" (or "OWLS", "Ｏｗｌｓ", "Owls " …) could pass itself off as the first."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from coach.models import Team
from tests.conftest import client_for

TAKEN = "there is a team called &#x27;Owls&#x27; already"


@pytest.mark.parametrize(
    "name",
    [
        "Owls",
        "owls",
        "  OWLS  ",
        "Ｏｗｌｓ",
        "Owls\u202e",
        "owls\t",
        "Ow\u200bls",
        "\ufeffO\u200dwls\u2060",
    ],
)
def test_a_new_team_may_not_take_a_name_another_team_reads_as(client, users, name):
    client_for(client, users["outsider"])  # not in Owls: it is someone else's name
    page = client.post("/teams/new", {"name": name}, follow=True).content.decode()
    assert f"No team made: {TAKEN}" in page and "choose another name" in page
    assert Team.objects.count() == 2


def test_words_spaced_differently_read_the_same(client, users):
    client_for(client, users["outsider"])
    made = client.post("/teams/new", {"name": "  Night   Owls "}, follow=True).content.decode()
    assert "Night Owls is yours" in made  # stored with one space between words
    again = client.post("/teams/new", {"name": "night owls"}, follow=True).content.decode()
    assert "there is a team called &#x27;Night Owls&#x27; already" in again
    assert Team.objects.filter(name_key="night owls").count() == 1


def test_a_new_team_name_too_long_is_refused_not_cut(client, users):
    """As a rename is: a name cut to 100 characters would not be the one the person chose."""
    client_for(client, users["outsider"])
    page = client.post("/teams/new", {"name": "x" * 101}, follow=True).content.decode()
    assert "No team made: a team&#x27;s name is at most 100 characters; this one has 101" in page
    assert Team.objects.count() == 2
    made = client.post("/teams/new", {"name": "y" * 100}, follow=True).content.decode()
    assert f"{'y' * 100} is yours" in made


def test_the_database_refuses_a_second_team_that_reads_the_same(users):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(name="OWLS", slug="owls-again")
    assert Team.objects.get(name_key="owls").name == "Owls"


def test_a_rename_in_the_admin_may_not_take_another_teams_name(client, users, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="pw-staff-1", is_staff=True)
    staff.is_superuser = True
    staff.save()
    rivals, url = users["other"], f"/admin/coach/team/{users['other'].pk}/change/"
    member = rivals.memberships.get()
    form = {
        "slug": rivals.slug,
        "clip_before_s": rivals.clip_before_s,
        "clip_after_s": rivals.clip_after_s,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": member.pk,
        "memberships-0-team": rivals.pk,
        "memberships-0-user": member.user_id,
        "memberships-0-role": member.role,
    }
    client_for(client, staff)
    refused = client.post(url, {**form, "name": " owls "})
    assert refused.status_code == 200 and TAKEN in refused.content.decode()
    rivals.refresh_from_db()
    assert (rivals.name, rivals.name_key) == ("Rivals", "rivals")
    renamed = client.post(url, {**form, "name": "RIVALS  fc"})  # its own name, another case
    assert renamed.status_code == 302
    rivals.refresh_from_db()
    assert (rivals.name, rivals.name_key) == ("RIVALS fc", "rivals fc")


def test_a_rename_in_code_is_refused_by_full_clean_and_keeps_the_key(users):
    rivals = users["other"]
    rivals.name = "Ｏｗｌｓ"
    with pytest.raises(ValidationError) as refused:
        rivals.full_clean()
    assert "there is a team called 'Owls' already" in str(refused.value.message_dict["name"])
    rivals.name = "Rivals United"
    rivals.save(update_fields=["name"])
    assert Team.objects.get(pk=rivals.pk).name_key == "rivals united"


def test_the_migration_renames_later_duplicates_instead_of_failing(transactional_db):
    before, after = [("coach", "0007_team_removals")], [("coach", "0009_team_name_key_unique")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("coach", "Team")
        names = ["Owls", "owls ", "OWLS", "Ｏｗｌｓ", "Owls (2)", "A" * 100, "a" * 100, "Rivals"]
        for n, name in enumerate(names):
            old.objects.create(name=name, slug=f"t{n}")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        got = list(Team.objects.order_by("slug").values_list("name", flat=True))
        assert got == [
            "Owls", "owls (3)", "OWLS (4)", "Ｏｗｌｓ (5)", "Owls (2)", "A" * 100,
            "a" * 96 + " (2)", "Rivals",
        ]  # fmt: skip
        read = {" ".join(unicodedata.normalize("NFKC", n).casefold().split()) for n in got}
        assert len(read) == len(got)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


HEART, RED_HEART = "\u2764", "\u2764\ufe0f"  # the heart as text, and as an emoji (U+FE0F)
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: one emoji


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (f"{HEART} Fans", f"{RED_HEART} Fans"),
        (f"{HEART} Fans", f"{HEART}\ufe0e Fans"),  # the text presentation selector
        ("\u845b Clan", "\u845b\U000e0100 Clan"),  # an ideographic variation selector
        (f"{FAMILY} Fans", "\U0001f468\U0001f469\U0001f467 Fans"),  # the family, unjoined
        ("Caf\u00e9", "Cafe\u034f\u0301"),  # a combining grapheme joiner before the accent
    ],
)
def test_names_differing_only_by_selectors_or_joiners_read_the_same(client, users, one, other):
    client_for(client, users["outsider"])
    made = client.post("/teams/new", {"name": one}, follow=True).content.decode()
    assert "is yours" in made
    page = client.post("/teams/new", {"name": other}, follow=True).content.decode()
    assert "No team made: there is a team called" in page and "invisible characters" in page
    assert list(
        Team.objects.exclude(name__in=["Owls", "Rivals"]).values_list("name", flat=True)
    ) == [one]


PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "mi-khaham", ZWNJ after "mi"
PERSIAN_JOINED = "\u0645\u06cc\u062e\u0648\u0627\u0647\u0645"  # the same letters, joined up
DEVANAGARI, DEVANAGARI_FULL = "\u0915\u094d\u200d\u0937", "\u0915\u094d\u0937"  # half form


@pytest.mark.parametrize(
    ("one", "other"),
    [(PERSIAN, PERSIAN_JOINED), (DEVANAGARI, DEVANAGARI_FULL)],
)
def test_a_joiner_between_letters_makes_another_name(client, users, one, other):
    """In a Persian or Indic word the ZWNJ or ZWJ changes how the word is drawn: two names."""
    client_for(client, users["outsider"])
    for name in (one, other):
        made = client.post("/teams/new", {"name": name}, follow=True).content.decode()
        assert "is yours" in made
    assert set(
        Team.objects.exclude(name__in=["Owls", "Rivals"]).values_list("name", flat=True)
    ) == {
        one,
        other,
    }
    assert Team.objects.get(name=one).name_key != Team.objects.get(name=other).name_key


def test_the_name_shown_keeps_its_selectors_and_joiners(client, users):
    client_for(client, users["outsider"])
    client.post("/teams/new", {"name": f"{RED_HEART} {FAMILY} Fans"})
    team = Team.objects.get(slug="fans")
    assert (team.name, team.name_key) == (
        f"{RED_HEART} {FAMILY} Fans",
        f"{HEART} \U0001f468\U0001f469\U0001f467 fans",
    )


def test_the_migration_rekeys_cleans_names_and_renames_later_lookalikes(transactional_db):
    """Rows written before 0010 (with 0008's key, as the code then made it): each gets today's
    name and key; of two that now read the same the first made keeps its name, the later one is
    renamed with a number; a name with nothing visible left is Team. Going back gives 0008's
    keys again."""
    from importlib import import_module

    from coach.models import team_name_key

    old_key = import_module("coach.migrations.0008_team_name_key")._key
    before, after = (
        [("coach", "0009_team_name_key_unique")],
        [("coach", "0010_team_name_key_invisible")],
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("coach", "Team")
        rows = [
            (f"{HEART} Fans", f"{HEART} Fans"),
            ("Owls\u200b", "Owls"),  # its key now is the next one's key before: written in turn
            ("Owls", "Owls (2)"),
            (f"{RED_HEART} Fans", f"{RED_HEART} Fans (3)"),  # "(2)" is a team's name already
            ("\u200b\u200b", "Team (2)"),  # nothing visible; a later team is called Team
            (f"{HEART} Fans (2)", f"{HEART} Fans (2)"),
            ("Team", "Team"),
            (f"{FAMILY} Fans", f"{FAMILY} Fans"),
            ("\U0001f468\U0001f469\U0001f467 Fans", "\U0001f468\U0001f469\U0001f467 Fans (2)"),
            ("Soft\u00adball\u2060", "Softball"),
            ("\u2b50\ufe0f Stars", "\u2b50\ufe0f Stars"),
            ("Rivals", "Rivals"),
        ]
        for n, (name, _) in enumerate(rows):
            old.objects.create(name=name, name_key=old_key(name), slug=f"t{n:02}")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        got = list(Team.objects.order_by("slug").values_list("name", "name_key"))
        assert [name for name, _ in got] == [name for _, name in rows]
        assert [key for _, key in got] == [team_name_key(name) for name, _ in got]
        assert len({key for _, key in got}) == len(rows)
        for team in Team.objects.all():
            team.save()  # every key is the one a save writes: a full save is never refused

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(before)
        back = list(old.objects.order_by("slug").values_list("name", "name_key"))
        assert back == [(name, old_key(name)) for _, name in rows]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_keys_joiners_between_letters_and_going_back_renames(transactional_db):
    """Rows keyed by 0010 (no joiner in any key): 0011 gives each today's key, names unchanged,
    so a Persian name with its ZWNJ no longer holds the name without it. Going back, a team made
    since whose name then reads as an older one's is renamed with a number, as 0010 did."""
    from importlib import import_module

    from coach.models import team_name_key

    old_key = import_module("coach.migrations.0010_team_name_key_invisible")._key
    before, after = (
        [("coach", "0010_team_name_key_invisible")],
        [("coach", "0011_team_name_key_script_joiners")],
    )
    names = [PERSIAN, DEVANAGARI, f"{FAMILY} Fans", f"{RED_HEART} Fans", "Owls"]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("coach", "Team")
        for n, name in enumerate(names):
            old.objects.create(name=name, name_key=old_key(name), slug=f"t{n:02}")
        assert old_key(PERSIAN) == old_key(PERSIAN_JOINED)  # one name before
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        got = list(Team.objects.order_by("slug").values_list("name", "name_key"))
        assert got == [(name, team_name_key(name)) for name in names]
        assert "\u200c" in got[0][1] and "\u200d" in got[1][1]  # kept between letters
        assert "\u200d" not in got[2][1]  # the family's joiners: left out
        Team.objects.create(name=PERSIAN_JOINED, slug="t05")  # a second name now
        for team in Team.objects.all():
            team.save()  # every key is the one a save writes

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(before)
        back = list(old.objects.order_by("slug").values_list("name", "name_key"))
        wanted = [*names, f"{PERSIAN_JOINED} (2)"]
        assert back == [(name, old_key(name)) for name in wanted]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
