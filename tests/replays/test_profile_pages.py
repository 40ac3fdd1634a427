"""Profile pages and the editor's endpoints: ownership, import, preview, save, re-detect."""

from __future__ import annotations

import io
import json
import re
import zipfile

import cv2
import numpy as np
import pytest

from detectors.probe import read_frame
from detectors.synth import make_match
from replays.models import GameProfile, Replay
from replays.profiles import services as profiles
from replays.profiles.services import profile_save_version
from replays.services import replay_ingest_file


@pytest.fixture(scope="module")
def match(tmp_path_factory):
    # References rendered at the video's size, so the profile's boxes are boxes in its frames.
    return make_match(
        tmp_path_factory.mktemp("synth"),
        duration_s=6,
        fps=30,
        size=(640, 360),
        kills=(2.0,),
        deaths=(4.0,),
        allies=(),
        reference_size=(640, 360),
        name="feed",
    )


@pytest.fixture
def boxes(match) -> dict[str, list[int]]:
    spec = json.loads(match.profile.read_text())
    return {kind: items[0]["box"] for kind, items in spec["events"].items()}


@pytest.fixture
def footage(users, sync_jobs, match) -> Replay:
    """A processed replay of the owner's team (no profile yet)."""
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=match.video,
        original_name="feed.mp4",
        move=False,
    )
    replay.refresh_from_db()
    assert replay.state == Replay.DONE, replay.failure_reason
    return replay


def save_synth_profile(team, match, name="feed") -> GameProfile:
    spec = json.loads(match.profile.read_text())
    refs = {ind["reference"] for inds in spec["events"].values() for ind in inds}
    files = {ref: (match.profile.parent / ref).read_bytes() for ref in refs}
    profile = GameProfile.objects.create(team=team, name=name)
    profile_save_version(profile=profile, spec=spec, files=files)
    return profile


@pytest.fixture
def profile(users, match, footage) -> GameProfile:
    """The owner's team profile (v1, the synthetic one) that ``footage`` uses, never detected."""
    profile = save_synth_profile(users["team"], match)
    Replay.objects.filter(pk=footage.pk).update(profile=profile)
    return profile


def frame_near(replay: Replay, seconds: float) -> int:
    return int(np.searchsorted(replay.frame_times(), seconds))


def urls(profile: GameProfile, replay: Replay) -> dict[str, str]:
    ref = profile.latest.spec["events"]["kill"][0]["reference"]
    return {"p": profile.pk, "r": replay.pk, "ref": ref}


GET_VIEWS = [
    "/profiles/{p}/",
    "/profiles/{p}/edit/",
    "/profiles/{p}/export.json",
    "/profiles/{p}/export.zip",
    "/profiles/{p}/v1/{ref}",
    "/replays/{r}/frames.json",
    "/profiles/frame/{r}/0.png",
    "/profiles/new/?replay={r}",
]
POST_VIEWS = ["/profiles/{p}/redetect", "/profiles/{p}/preview", "/profiles/{p}/save"]


# One site set-up per test, looping over the endpoints: each setup ingests a real video.
def test_it_validates_ownership(client, users, profile, footage):
    client.force_login(users["outsider"])
    for url in GET_VIEWS + POST_VIEWS:
        method = client.post if url in POST_VIEWS else client.get
        response = method(url.format(**urls(profile, footage)))
        if "/new/" in url:  # the page exists for everyone, but lists no other team's replay
            assert response.status_code == 200, url
            assert footage.title.encode() not in response.content, url
        else:
            assert response.status_code == 404, url
            assert profile.name.encode() not in response.content, url
    assert Replay.objects.get(pk=footage.pk).detected_with is None  # nothing was re-detected


def test_it_lets_the_team_in(client, users, profile, footage):
    for who in ("owner", "coach"):
        client.force_login(users[who])
        for url in GET_VIEWS:
            assert client.get(url.format(**urls(profile, footage))).status_code == 200, (who, url)


def test_it_sends_anonymous_users_to_log_in(client, db):
    ids = {"p": 1, "r": 1, "ref": "kill.png"}
    for url in GET_VIEWS + POST_VIEWS + ["/profiles/", "/profiles/import/"]:
        method = client.post if url in POST_VIEWS else client.get
        response = method(url.format(**ids))
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_the_list_shows_the_teams_and_built_in_profiles_with_counts(client, users, profile, match):
    builtin = save_synth_profile(None, match, name="shipped")
    theirs = save_synth_profile(users["other"], match, name="rivals-only")
    client.force_login(users["coach"])
    page = client.get("/profiles/").content.decode()
    assert "feed" in page and "shipped" in page and "built-in" in page
    assert theirs.name not in page
    row = page[page.index(f"/profiles/{profile.pk}/") :].split("</tr>")[0]
    assert "<td>v1</td>" in row and "<td>1</td>" in row  # one replay uses it
    assert '<span class="stale">1</span>' in row  # and it was never detected
    builtin_row = page[page.index(f"/profiles/{builtin.pk}/") :].split("</tr>")[0]
    assert "read-only" in builtin_row


def test_the_detail_page_shows_versions_json_references_and_replays(
    client, users, profile, footage
):
    client.force_login(users["owner"])
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    assert profile.latest.version_hash[:12] in page
    assert "&quot;min_gap_s&quot;: 2.0" in page  # the JSON, pretty-printed and escaped
    ref = profile.latest.spec["events"]["kill"][0]["reference"]
    assert f"/profiles/{profile.pk}/v1/{ref}" in page
    assert footage.title in page and "needs re-detection" in page
    assert "Re-detect 1 replay<" in page


def test_the_detail_page_says_which_indicators_are_matched_on_their_own_pixels(
    client, users, footage, match
):
    # The kill line twice: the synthetic reference and a frame of the replay itself 0.5 s into
    # the kill (the feed over another part of the scrolling scene). The death banner once.
    spec = json.loads(match.profile.read_text())
    kill = spec["events"]["kill"][0]
    frame = read_frame(footage.path, float(footage.frame_times()[frame_near(footage, 2.5)]))
    ok, png = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    assert ok
    spec["events"]["kill"].append({"reference": "later.png", "box": kill["box"]})
    refs = {ind["reference"] for inds in spec["events"].values() for ind in inds} - {"later.png"}
    files = {ref: (match.profile.parent / ref).read_bytes() for ref in refs}
    files["later.png"] = png.tobytes()
    profile = GameProfile.objects.create(team=users["team"], name="two kills")
    profile_save_version(profile=profile, spec=spec, files=files)
    client.force_login(users["owner"])
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    agreed = [int(p) for p in re.findall(r"Its screenshots agree on (\d+) % of the box", page)]
    assert len(agreed) == 2 and all(10 <= p <= 100 for p in agreed), agreed
    assert page.count("One screenshot: matched on the whole box") == 1  # the death banner
    # Another team's coach gets nothing of it.
    client.force_login(users["outsider"])
    assert client.get(f"/profiles/{profile.pk}/").status_code == 404


def test_a_reference_is_served_only_if_the_version_names_it(client, users, profile, match):
    client.force_login(users["owner"])
    ref = profile.latest.spec["events"]["kill"][0]["reference"]
    response = client.get(f"/profiles/{profile.pk}/v1/{ref}")
    assert response.content == (match.profile.parent / ref).read_bytes()
    assert client.get(f"/profiles/{profile.pk}/v1/feed.profile.json").status_code == 404
    assert client.get(f"/profiles/{profile.pk}/v1/..%2F..%2Fdb.sqlite3").status_code == 404
    assert client.get(f"/profiles/{profile.pk}/v9/{ref}").status_code == 404


def test_exports_give_the_spec_and_a_zip_with_its_references(client, users, profile):
    client.force_login(users["coach"])
    spec = json.loads(client.get(f"/profiles/{profile.pk}/export.json").content)
    assert spec == profile.latest.spec
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/profiles/{profile.pk}/export.zip").content))
    refs = {i["reference"] for items in spec["events"].values() for i in items}
    assert set(archive.namelist()) == {"profile.json", *refs}


def test_built_in_profiles_are_readable_by_all_and_editable_by_staff_only(
    client, users, match, footage, django_user_model
):
    builtin = save_synth_profile(None, match, name="shipped")
    client.force_login(users["outsider"])
    assert client.get(f"/profiles/{builtin.pk}/").status_code == 200
    ref = builtin.latest.spec["events"]["kill"][0]["reference"]
    assert client.get(f"/profiles/{builtin.pk}/v1/{ref}").status_code == 200
    refused = client.get(f"/profiles/{builtin.pk}/edit/")
    assert refused.status_code == 403
    assert "Built-in profiles can only be changed by staff." in refused.content.decode()
    response = client.post(
        f"/profiles/{builtin.pk}/save", json.dumps({"indicators": []}), "application/json"
    )
    assert response.status_code == 403
    assert "staff" in response.json()["error"]
    staff = django_user_model.objects.create_user("admin", password="pw-admin-1", is_staff=True)
    client.force_login(staff)
    assert client.get(f"/profiles/{builtin.pk}/edit/").status_code == 200


def test_the_frame_index_is_served_as_json(client, users, footage):
    client.force_login(users["owner"])
    times = client.get(f"/replays/{footage.pk}/frames.json").json()["times"]
    assert times == pytest.approx(footage.frame_times().tolist(), abs=1e-6)
    assert len(times) == footage.frame_count


def test_a_frame_png_is_the_exact_decoded_frame(client, users, footage):
    client.force_login(users["owner"])
    n = frame_near(footage, 2.5)
    png = client.get(f"/profiles/frame/{footage.pk}/{n}.png").content
    got = cv2.cvtColor(
        cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
    )
    expected = read_frame(footage.path, float(footage.frame_times()[n]))
    assert np.array_equal(got, expected)
    neighbour = read_frame(footage.path, float(footage.frame_times()[n + 1]))
    assert not np.array_equal(got, neighbour)  # each frame differs (the synth noise)
    response = client.get(f"/profiles/frame/{footage.pk}/{footage.frame_count}.png")
    assert response.status_code == 404


def test_the_editor_lists_the_team_replays_and_the_kept_indicators(client, users, profile, footage):
    client.force_login(users["coach"])
    response = client.get(f"/profiles/{profile.pk}/edit/?replay={footage.pk}")
    data = response.context["data"]
    assert data["replay"]["id"] == footage.pk
    assert data["replay"]["frames_url"] == f"/replays/{footage.pk}/frames.json"
    assert data["replay"]["frame_url"] == f"/profiles/frame/{footage.pk}/"
    assert {i["kind"] for i in data["indicators"]} == {"kill", "death"}
    assert all(i["image_url"].startswith(f"/profiles/{profile.pk}/v1/") for i in data["indicators"])
    assert (
        b'id="editor-data"' in response.content
        and b"/static/js/profile_editor.js" in response.content
    )


def draft(footage: Replay, boxes: dict, **extra) -> dict:
    return {
        "indicators": [
            {
                "kind": "kill",
                "replay": footage.pk,
                "frame": frame_near(footage, 2.5),
                "box": boxes["kill"],
            },
            {
                "kind": "death",
                "replay": footage.pk,
                "frame": frame_near(footage, 4.5),
                "box": boxes["death"],
                "threshold": 0.75,
            },
        ],
        **extra,
    }


def post(client, url: str, body) -> tuple[int, dict]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = client.post(url, data, content_type="application/json")
    return response.status_code, response.json()


def test_try_it_finds_the_events_of_boxes_cut_from_the_replay(client, users, footage, boxes, match):
    client.force_login(users["owner"])
    status, result = post(
        client,
        "/profiles/new/preview",
        {**draft(footage, boxes), "replay": footage.pk, "team": users["team"].pk},
    )
    assert status == 200, result
    assert result["complete"] and result["frames_decoded"] == footage.frame_count
    assert [e["kind"] for e in result["events"]] == [e.kind for e in match.events]
    for got, truth in zip(result["events"], match.events, strict=True):
        assert abs(got["time_s"] - truth.time_s) <= 0.25
        assert got["time_s"] == pytest.approx(float(footage.frame_times()[got["frame"]]))
        assert 0.7 <= got["confidence"] <= 1.0
    assert not GameProfile.objects.exists()  # a preview stores nothing


def test_try_it_stops_at_its_time_budget(client, users, footage, boxes, monkeypatch):
    monkeypatch.setattr(profiles, "PREVIEW_BUDGET_S", 0.0)
    client.force_login(users["owner"])
    body = {**draft(footage, boxes), "replay": footage.pk, "team": users["team"].pk}
    status, result = post(client, "/profiles/new/preview", body)
    assert status == 200
    assert not result["complete"] and result["message"].startswith("stopped after 0 s")
    assert result["frames_decoded"] < footage.frame_count


def test_try_it_can_keep_indicators_of_the_latest_version(client, users, profile, footage, match):
    client.force_login(users["coach"])
    kept = [{"kind": k, **i} for k, items in profile.latest.spec["events"].items() for i in items]
    status, result = post(
        client, f"/profiles/{profile.pk}/preview", {"replay": footage.pk, "indicators": kept}
    )
    assert status == 200, result
    assert [e["kind"] for e in result["events"]] == [e.kind for e in match.events]


BAD_DRAFTS = [
    ("not json", "send the draft as JSON"),
    ({"indicators": []}, "add at least one indicator"),
    (
        {"indicators": [{"kind": "assist", "replay": 0, "frame": 0, "box": [0, 0, 9, 9]}]},
        "unknown kind 'assist'",
    ),
    (
        {"indicators": [{"kind": "kill", "replay": "{r}", "frame": 3, "box": [600, 300, 80, 80]}]},
        "lies outside the frame (640x360)",
    ),
    (
        {"indicators": [{"kind": "kill", "replay": "{r}", "frame": 3, "box": [1, 2, 3]}]},
        "four integers",
    ),
    (
        {"indicators": [{"kind": "kill", "replay": "{r}", "frame": 99999, "box": [0, 0, 9, 9]}]},
        "frame 99999 is outside",
    ),
    (
        {
            "indicators": [
                {"kind": "kill", "replay": "{r}", "frame": 3, "box": [0, 0, 9, 9], "threshold": 2}
            ]
        },
        "threshold must be a number in [0, 1]",
    ),
    (
        {"indicators": [{"kind": "kill", "reference": "../../secret.png", "box": [0, 0, 9, 9]}]},
        "unknown reference",
    ),
]


def fill(body, replay: Replay):
    if isinstance(body, str):
        return body
    return json.loads(json.dumps(body).replace('"{r}"', str(replay.pk)))


def test_a_bad_draft_gets_a_one_line_message(client, users, footage):
    client.force_login(users["owner"])
    for endpoint in ("preview", "save"):
        for body, message in BAD_DRAFTS:
            body = fill(body, footage)
            if isinstance(body, dict):
                body.update(replay=footage.pk, team=users["team"].pk, name="new one")
            status, result = post(client, f"/profiles/new/{endpoint}", body)
            assert status == 400, (endpoint, body)
            assert message in result["error"] and "\n" not in result["error"], (endpoint, body)
    assert not GameProfile.objects.exists()


def test_saving_a_flat_box_is_refused_as_detection_would_refuse_it(users):
    # Try it refused it, Save took it, and every replay using the profile then failed.
    flat = np.full((360, 640, 3), 120, np.uint8)
    ok, png = cv2.imencode(".png", flat)
    profile = GameProfile.objects.create(team=users["team"], name="flat")
    spec = {"name": "flat", "events": {"kill": [{"reference": "k.png", "box": [10, 10, 80, 40]}]}}
    with pytest.raises(profiles.ProfileError, match="is a flat colour: draw it around"):
        profile_save_version(profile=profile, spec=spec, files={"k.png": png.tobytes()})
    assert profile.latest is None


def test_a_box_over_half_of_the_frame_is_refused_by_save_and_try_it(
    client, users, profile, footage, boxes
):
    """A box around (nearly) the whole screenshot matches the scene, not a HUD element: it was
    saved without a word. Save and Try it refuse it naming it; the saved version stays."""
    client.force_login(users["coach"])
    kept = [{"kind": "death", **profile.latest.spec["events"]["death"][0]}]
    frame = frame_near(footage, 2.5)
    whole = {"kind": "kill", "replay": footage.pk, "frame": frame, "box": [0, 0, 640, 360]}
    message = (
        f"the kill box [0, 0, 640, 360] in kill-r{footage.pk}-f{frame}.png covers 100 % of the"
        " screenshot (640x360): a box over half of it matches the whole scene; draw it around"
        " the indicator alone (a kill-feed line, a banner)"
    )
    for endpoint in ("save", "preview"):
        body = {"indicators": kept + [whole], "replay": footage.pk}
        status, result = post(client, f"/profiles/{profile.pk}/{endpoint}", body)
        assert (status, result) == (400, {"error": message}), endpoint
    assert profile.versions.count() == 1  # nothing saved: the draft is the page's to fix
    # A new profile: refused before it exists, and a box of three quarters too.
    wide = {**whole, "box": [0, 0, 640, 270]}
    body = {"indicators": [wide], "team": users["team"].pk, "name": "whole frame"}
    status, result = post(client, "/profiles/new/save", body)
    assert status == 400 and "covers 75 % of the screenshot" in result["error"]
    assert not GameProfile.objects.filter(name="whole frame").exists()


def test_a_box_saved_before_the_size_check_is_marked_as_the_editor_opens_and_named_on_save(
    client, users, profile, footage, boxes, monkeypatch
):
    """A version saved before boxes over half of the screenshot were refused keeps detecting,
    but saving it again as it is is refused. The editor says which indicator needs a new box as
    it opens (not only after Save), and Save and Try it name it and say how to fix it."""
    v1 = profile.latest
    spec = json.loads(json.dumps(v1.spec))
    ref = spec["events"]["kill"][0]["reference"]
    spec["events"]["kill"][0]["box"] = [0, 0, 640, 360]
    with monkeypatch.context() as before_the_check:
        before_the_check.setattr(profiles, "check_indicators", lambda indicators: None)
        old, _ = profile_save_version(profile=profile, spec=spec, files={}, base=v1)
    refusal = (
        f"the kill box [0, 0, 640, 360] in {ref} covers 100 % of the screenshot (640x360): a"
        " box over half of it matches the whole scene; draw it around the indicator alone (a"
        " kill-feed line, a banner)"
    )
    client.force_login(users["coach"])
    edit = f"/profiles/{profile.pk}/edit/?replay={footage.pk}"
    response = client.get(edit)
    kept = response.context["data"]["indicators"]
    assert {i["kind"]: i["redraw"] for i in kept} == {"kill": refusal, "death": None}
    number = [i["kind"] for i in kept].index("kill") + 1
    page = response.content.decode()
    assert '<div id="redraw-warning" class="warn banner" role="status">' in page  # not hidden
    assert f"<li>indicator {number}: {refusal}</li>" in page

    # Something else changed (the death's threshold), the old box kept: refused, naming it.
    body = {
        "indicators": [
            {"kind": i["kind"], "reference": i["reference"], "box": i["box"]} for i in kept
        ],
        "replay": footage.pk,
    }
    death = next(i for i in body["indicators"] if i["kind"] == "death")
    death["threshold"] = 0.8
    message = (
        f"indicator {number} (kill, kept from v{old.number}) needs a new box: {refusal}. Remove"
        " it and add it again from a frame of a replay"
    )
    for endpoint in ("save", "preview"):
        status, result = post(client, f"/profiles/{profile.pk}/{endpoint}", body)
        assert (status, result) == (400, {"error": message}), endpoint
    assert profile.versions.count() == 2

    # Removed and drawn again around the kill line alone: saved, and the page has nothing to say.
    kill = {"kind": "kill", "replay": footage.pk, "frame": frame_near(footage, 2.5)}
    body["indicators"] = [death, {**kill, "box": boxes["kill"]}]
    status, result = post(client, f"/profiles/{profile.pk}/save", body)
    assert (status, result["version"]) == (200, old.number + 1), result
    assert "redraw-warning" not in client.get(edit).content.decode()


def test_the_detail_page_warns_of_a_box_saved_before_the_size_check(
    client, users, profile, footage, monkeypatch
):
    """The profile's page says what the editor says as it opens: which indicator of a version
    saved before boxes over half of the screenshot were refused needs a new box, and why."""
    client.force_login(users["coach"])
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    assert "Needs a new box" not in page and 'class="warn box-warning redraw"' not in page
    spec = json.loads(json.dumps(profile.latest.spec))
    ref = spec["events"]["kill"][0]["reference"]
    spec["events"]["kill"][0]["box"] = [0, 0, 640, 360]
    with monkeypatch.context() as before_the_check:
        before_the_check.setattr(profiles, "check_indicators", lambda indicators: None)
        old, _ = profile_save_version(profile=profile, spec=spec, files={}, base=profile.latest)
    refusal = (
        f"the kill box [0, 0, 640, 360] in {ref} covers 100 % of the screenshot (640x360): a"
        " box over half of it matches the whole scene; draw it around the indicator alone (a"
        " kill-feed line, a banner)"
    )
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    warnings = re.findall(r'<p class="warn box-warning redraw" role="status">(.*?)</p>', page)
    assert warnings == [
        f"Needs a new box: Save refuses it as it is ({refusal}). Detection with v{old.number}"
        " still uses it, but its box must be drawn again in the editor before the profile can be"
        f' saved again: <a href="/profiles/{profile.pk}/edit/">Edit</a> the profile, remove it'
        " and add it again from a frame of a replay."
    ]
    # Beside the kill indicator, not the death banner's.
    kill = page[page.index('data-box="0,0,640,360"') :].split("</figure>")[0]
    assert "Needs a new box" in kill


def test_a_replay_of_another_team_cannot_be_used(client, users, footage, boxes):
    client.force_login(users["outsider"])
    body = {**draft(footage, boxes), "replay": footage.pk, "team": users["other"].pk, "name": "x"}
    status, result = post(client, "/profiles/new/preview", body)  # as if it did not exist
    assert (status, result) == (404, {"error": "no such profile or replay"})
    status, result = post(client, "/profiles/new/save", body)
    assert (status, result) == (404, {"error": "no such profile or replay"})
    body["team"] = users["team"].pk
    status, result = post(client, "/profiles/new/save", body)
    assert status == 400 and result["error"] == "choose one of your teams"
    assert not GameProfile.objects.exists()


def test_saving_a_new_profile_stores_the_frames_as_references(client, users, footage, boxes):
    client.force_login(users["owner"])
    body = {**draft(footage, boxes), "team": users["team"].pk, "name": "my game"}
    status, result = post(client, "/profiles/new/save", body)
    assert status == 200, result
    profile = GameProfile.objects.get(name="my game", team=users["team"])
    assert result["url"] == f"/profiles/{profile.pk}/" and result["version"] == 1
    version = profile.latest
    kill_frame = frame_near(footage, 2.5)
    kill = version.spec["events"]["kill"][0]
    assert kill == {"reference": f"kill-r{footage.pk}-f{kill_frame}.png", "box": boxes["kill"]}
    assert version.spec["events"]["death"][0]["threshold"] == 0.75
    png = client.get(f"/profiles/frame/{footage.pk}/{kill_frame}.png").content
    assert (version.path / kill["reference"]).read_bytes() == png
    assert version.created_by == users["owner"]
    status, result = post(client, "/profiles/new/save", body)
    assert status == 400 and "already exists" in result["error"]
    # A name past 100 characters was cut short without a word; it is refused, saying why.
    status, result = post(client, "/profiles/new/save", {**body, "name": "n" * 5000})
    assert (status, result["error"]) == (400, "the name is 5000 characters; 100 at most")
    assert GameProfile.objects.count() == 1


def test_saving_an_edit_makes_the_next_version_and_re_detects(
    client, users, profile, footage, boxes
):
    client.force_login(users["coach"])
    kept = [{"kind": "death", **profile.latest.spec["events"]["death"][0]}]
    new = draft(footage, boxes)["indicators"][:1]
    status, result = post(
        client, f"/profiles/{profile.pk}/save", {"indicators": kept + new, "redetect": True}
    )
    assert status == 200, result
    assert result["version"] == 2 and result["created"] and result["enqueued"] == 1
    footage.refresh_from_db()
    assert footage.detected_with == profile.latest  # the sync queue ran the job
    assert sorted(footage.events.values_list("kind", flat=True)) == ["death", "kill"]
    assert profile.latest.spec["events"]["kill"][0]["reference"].startswith("kill-r")
    # The same draft again is no new version.
    status, result = post(
        client,
        f"/profiles/{profile.pk}/save",
        {
            "indicators": [
                {"kind": k, **i}
                for k, items in profile.latest.spec["events"].items()
                for i in items
            ]
        },
    )
    assert status == 200 and not result["created"] and result["version"] == 2


def test_saving_without_re_detection_leaves_the_replays_alone(client, users, profile, footage):
    client.force_login(users["owner"])
    kept = [{"kind": "death", **profile.latest.spec["events"]["death"][0]}]
    status, result = post(
        client, f"/profiles/{profile.pk}/save", {"indicators": kept, "redetect": False}
    )
    assert status == 200 and result["enqueued"] == 0 and result["version"] == 2
    footage.refresh_from_db()
    assert footage.detected_with is None


def test_the_re_detect_button_enqueues_the_replays_that_need_it(client, users, profile, footage):
    client.force_login(users["owner"])
    response = client.post(f"/profiles/{profile.pk}/redetect", follow=True)
    assert b"Re-detecting 1 replay." in response.content
    footage.refresh_from_db()
    assert footage.detected_with == profile.latest
    response = client.post(f"/profiles/{profile.pk}/redetect", follow=True)
    assert b"Re-detecting 0 replays." in response.content


def test_import_takes_a_zip_with_its_references(client, users, profile):
    client.force_login(users["coach"])
    zipped = profiles.profile_export_zip(profile.latest)
    upload = io.BytesIO(zipped)
    upload.name = "feed.zip"
    response = client.post(
        "/profiles/import/", {"team": users["team"].pk, "name": "copy", "file": upload}
    )
    copy = GameProfile.objects.get(team=users["team"], name="copy")
    assert response.status_code == 302 and response["Location"] == f"/profiles/{copy.pk}/"
    assert {**copy.latest.spec, "name": "feed"} == profile.latest.spec
    for ref in profiles.profile_reference_names(copy.latest):
        assert (copy.latest.path / ref).read_bytes() == (profile.latest.path / ref).read_bytes()


BAD_FILES = [
    ("broken.json", b"{not json", "malformed JSON"),
    ("list.json", b"[1, 2]", "must be a JSON object"),
    (
        "noref.json",
        b'{"name": "x", "events": {"kill": [{"reference": "k.png", "box": [0,0,4,4]}]}}',
        "cannot read",
    ),
    ("bad.zip", b"PK\x03\x04garbage", "not a readable zip file"),
    ("empty.zip", None, "the zip holds no profile JSON"),
]


def test_import_shows_what_is_wrong_with_a_bad_file(client, users):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("kill.png", b"x")
    client.force_login(users["owner"])
    for filename, data, message in BAD_FILES:
        upload = io.BytesIO(buffer.getvalue() if data is None else data)
        upload.name = filename
        response = client.post(
            "/profiles/import/", {"team": users["team"].pk, "name": "x", "file": upload}
        )
        assert response.status_code == 400, filename
        page = response.content.decode()
        assert 'id="import-error"' in page and message in page, filename
    assert not GameProfile.objects.exists()  # no empty profile left behind


def test_an_agent_zip_or_labels_file_is_not_taken_for_a_profile(client, users):
    agent = io.BytesIO()
    with zipfile.ZipFile(agent, "w") as archive:  # what an agent export holds, no profile
        archive.writestr("agent.json", json.dumps({"format": "filmroom-agent", "version": 1}))
        archive.writestr("weights.safetensors", b"\0" * 16)
    labels = json.dumps({"video": "m.mp4", "events": [{"kind": "kill", "time_s": 3.0}]}).encode()
    client.force_login(users["owner"])
    for filename, data in (("agent.zip", agent.getvalue()), ("labels.json", labels)):
        upload = io.BytesIO(data)
        upload.name = filename
        response = client.post("/profiles/import/", {"team": users["team"].pk, "file": upload})
        assert response.status_code == 400, filename
        assert "this is not a game profile" in response.content.decode(), filename
    assert not GameProfile.objects.exists()


def test_import_refuses_another_teams_slot_and_a_missing_file(client, users):
    client.force_login(users["owner"])
    response = client.post("/profiles/import/", {"team": users["other"].pk, "name": "x"})
    assert response.status_code == 400 and b"Choose one of your teams." in response.content
    response = client.post("/profiles/import/", {"team": users["team"].pk, "name": "x"})
    assert response.status_code == 400 and b"Choose a profile file" in response.content


def test_re_detecting_a_built_in_profile_touches_only_the_users_replays(
    client, users, footage, match
):
    builtin = save_synth_profile(None, match, name="shipped")
    theirs, _ = replay_ingest_file(
        team=users["other"],
        uploader=users["outsider"],
        source=match.video,
        original_name="theirs.mp4",
        move=False,
    )
    Replay.objects.filter(pk__in=[footage.pk, theirs.pk]).update(profile=builtin)
    client.force_login(users["owner"])
    response = client.post(f"/profiles/{builtin.pk}/redetect", follow=True)
    assert b"Re-detecting 1 replay." in response.content
    assert Replay.objects.get(pk=footage.pk).detected_with == builtin.latest
    assert Replay.objects.get(pk=theirs.pk).detected_with is None
