"""A coach corrects events on the review page; the corrections are there after a reload."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(site, page, username: str) -> None:
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")


def rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "tr.event",
        "rows => rows.map(r => ({id: Number(r.dataset.id), frame: Number(r.dataset.frame),"
        " kind: r.dataset.kind, review: r.dataset.review}))",
    )


def shown(page) -> dict:
    """The stats line and the timeline's kill and death lanes (time, frame) as drawn."""
    return page.evaluate(
        """() => {
        const stats = {};
        document.querySelectorAll("#replay-stats [data-stat]").forEach(function (b) {
            stats[b.dataset.stat] = b.textContent;
        });
        const lanes = {};
        document.getElementById("timeline").data.forEach(function (t) {
            if (t.name === "Kills" || t.name === "Deaths") {
                lanes[t.name] = Array.from(t.x).map(function (x, i) {
                    return [Number(x).toFixed(3), t.customdata[i][0]];
                }).sort();
            }
        });
        return { stats: stats, lanes: lanes };
    }"""
    )


def open_review(site, page) -> None:
    page.goto(site.url("/replays/1/"))
    page.wait_for_selector("#review[data-ready='1']")


def seek(page, frame: int) -> None:
    page.evaluate(f"() => window.FilmRoomReview.seekFrame({frame})")
    page.wait_for_function(f"() => document.getElementById('frame-no').textContent == '{frame}'")


def test_a_coach_confirms_rejects_moves_and_adds_events_that_stay_after_a_reload(
    site, page, browser
):
    site.start()
    site.login("coach", site.password)
    assert site.wait_done(1, timeout=300)["state"] == "done"
    log_in(site, page, "coach")
    open_review(site, page)
    page.wait_for_function("() => document.getElementById('timeline').data")
    at_start = shown(page)
    first, second, third = rows(page)[:3]
    taken = {r["frame"] for r in rows(page)}

    # A bad correction (the same event again at its frame) says why and changes nothing.
    seek(page, first["frame"])
    page.click(f"button[data-add={first['kind']}]")
    page.wait_for_selector("#event-message:not([hidden])")
    assert page.inner_text("#event-message") == (
        f"there is already a {first['kind']} at frame {first['frame']}"
    )
    assert len(rows(page)) == len(taken)

    # From the keyboard: Space on a focused button presses it; it does not play the video.
    page.focus(f"tr.event[data-id='{first['id']}'] [data-correct=confirm]")
    page.keyboard.press("Space")
    page.wait_for_selector(f"tr.event[data-id='{first['id']}'][data-review=confirmed]")
    assert page.eval_on_selector("#player", "v => v.paused")
    assert page.is_hidden("#event-message")  # the next good correction clears the message
    page.click(f"tr.event[data-id='{second['id']}'] [data-correct=reject]")
    page.wait_for_selector(f"tr.event[data-id='{second['id']}'][data-review=rejected]")

    moved_to = third["frame"] + 7
    seek(page, moved_to)
    page.click(f"tr.event[data-id='{third['id']}'] [data-correct=move]")
    page.wait_for_selector(f"tr.event[data-id='{third['id']}'][data-frame='{moved_to}']")

    missed = next(f for f in range(40, 400, 13) if f not in taken and f != moved_to)
    seek(page, missed)
    page.click("button[data-add=kill]")
    page.wait_for_selector(f"tr.event[data-review=added][data-frame='{missed}']")
    assert page.inner_text("#frame-no") == str(missed)  # correcting does not move the playhead
    # The added event's clip opens from its new row, without a reload (it had no Clip button).
    page.click(f"tr.event[data-review=added][data-frame='{missed}'] button[data-clip]")
    page.wait_for_function(
        "() => { const v = document.getElementById('clip-player');"
        " return !document.getElementById('clip-box').hidden && v.readyState >= 2; }",
        timeout=60_000,
    )
    page.click("#clip-close")
    shot(page, "corrections")
    before = rows(page)
    # The stats and the timeline follow the corrections without a reload: as the server draws
    # them after one (the rejected event no longer counts, the added one does).
    live = shown(page)
    assert live != at_start

    page.reload()
    page.wait_for_selector("#review[data-ready='1']")
    after = rows(page)
    assert shown(page) == live
    # Every row's buttons fit the side card at 1280 px: nothing is cut off at its edge.
    card = "document.getElementById('events')"
    assert page.evaluate(f"() => {card}.scrollWidth - {card}.clientWidth") <= 1
    assert after == before
    by_id = {r["id"]: r for r in after}
    assert by_id[first["id"]]["review"] == "confirmed"
    assert by_id[second["id"]]["review"] == "rejected"
    assert (by_id[third["id"]]["review"], by_id[third["id"]]["frame"]) == ("moved", moved_to)
    assert [r for r in after if r["review"] == "added"] == [
        {"id": max(by_id), "frame": missed, "kind": "kill", "review": "added"}
    ]
    assert [r["frame"] for r in after] == sorted(r["frame"] for r in after)

    labels = site.json("/replays/1/labels.json")["events"]
    assert sorted((e["frame"], e["source"]) for e in labels) == sorted(
        [(first["frame"], "confirmed"), (moved_to, "moved"), (missed, "added")]
    )

    # The profile's live accuracy: 2 hits (confirmed, moved), 1 false positive, 1 miss (added).
    page.goto(site.url("/profiles/"))
    page.click("text=Shooter (synthetic)")
    page.wait_for_selector("#accuracy")
    assert page.inner_text("#precision") == "0.667" and page.inner_text("#recall") == "0.667"
    shot(page, "profile-accuracy")

    # A player of the team sees the corrections but gets no buttons to make them.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    player = context.new_page()
    log_in(site, player, "player")
    open_review(site, player)
    assert rows(player) == after
    assert player.locator("[data-correct]").count() == 0
    assert player.locator("[data-add]").count() == 0
    context.close()
