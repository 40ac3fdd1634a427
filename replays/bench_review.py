"""Benchmark: how long one frame step takes on the review page in Chromium, proxy vs original.

    python -m replays.bench_review [--seconds 10] [--steps 60] [--keyints 6]

Makes a 1080p60 H.264 recording with x264's default GOP (250 frames) whose frames show their own
index in pixels (12 black/white bars over a noisy moving test pattern), starts the whole site
(embedded Redis, django-q2, Daphne) in a temporary folder, uploads the file as the upload page does
(the real job probes it and makes the review proxy), then drives Debian's Chromium on the review
page: ``--steps`` presses of ``.`` then as many of ``,``, each timed from the key press to the
frame being on screen, which is then read back from the pixels. It runs once on the original
file (``?original=1``, the baseline) and once on the proxy, and, for each of ``--keyints``, on a
proxy with that key-frame interval made by the same function, and prints p50/p95 per direction,
the ratio to the baseline, how many steps landed on the right frame, and the proxy's size and
encoding time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg

from detectors.clips import make_review_proxy
from tests.livesite import Site, upload

BITS = 12
SETUP = """
from django.contrib.auth import get_user_model
from coach.models import Membership, Team
user = get_user_model().objects.create_user("bench", password="bench-pw-1")
team = Team.objects.create(name="Bench")
Membership.objects.create(team=team, user=user)
print(team.pk)
"""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Steps in the page: press the key, wait until the page says the picture settled, read the bars.
STEP_JS = """
async ({dir, steps}) => {
  const R = window.FilmRoomReview, v = R.video, review = document.getElementById('review');
  const c = document.createElement('canvas'); c.width = 192; c.height = 18;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  function code() {
    ctx.drawImage(v, 0, 0, v.videoWidth, v.videoHeight / 6, 0, 0, 192, 18);
    const d = ctx.getImageData(0, 0, 192, 18).data; let n = 0;
    for (let b = 0; b < BITS; b++) { const x = Math.floor((b + 0.5) * 192 / BITS);
      if (d[(9 * 192 + x) * 4] > 127) n |= 1 << b; }
    return n;
  }
  const out = [];
  for (let i = 0; i < steps; i++) {
    const want = R.targetFrame() + dir;
    // Settled is the page's own word that the picture shows the frame it reports: it now comes
    // from the frame callback after "seeked", and may follow a slow creep onto the frame.
    let done = null;
    const settled = new Promise(resolve => { done = resolve; });
    const watch = new MutationObserver(() => {
      if (review.dataset.settled === '1') { watch.disconnect(); done(); }
    });
    watch.observe(review, {attributes: true, attributeFilter: ['data-settled']});
    const t0 = performance.now();
    const key = dir > 0 ? '.' : ',';
    document.body.dispatchEvent(new KeyboardEvent('keydown', {key: key, bubbles: true}));
    if (review.dataset.settled === '1') { watch.disconnect(); done(); }
    await settled;
    const ms = performance.now() - t0;
    out.push([ms, want, code(), Number(document.getElementById('frame-no').textContent)]);
  }
  return out;
}
""".replace("BITS", str(BITS))


def make_coded_video(path: Path, seconds: float, fps: int = 60, size: str = "1920x1080") -> Path:
    """An H.264 recording (x264 defaults: 250-frame GOP, B-frames) whose frame n shows n in bars."""
    width, height = (int(v) for v in size.split("x"))
    bar, band = width // BITS, height // 6
    boxes = [f"drawbox=x=0:y=0:w={width}:h={band}:color=black:t=fill"]
    boxes += [
        f"drawbox=x={b * bar}:y=0:w={bar}:h={band}:color=white:t=fill"
        f":enable='eq(mod(floor(n/{2**b}),2),1)'"
        for b in range(BITS)
    ]
    args = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi"]
    args += ["-i", f"testsrc2=size={size}:rate={fps}:duration={seconds}"]
    args += ["-vf", "noise=alls=8:allf=t," + ",".join(boxes)]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
    subprocess.run([*args, "-movflags", "+faststart", str(path)], check=True)
    return path


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(browser, site: Site, query: str, start: int, steps: int) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", "bench")
    page.fill("input[name=password]", "bench-pw-1")
    page.click("button[type=submit]")
    page.goto(site.url(f"/replays/1/{query}"))
    page.wait_for_selector("#review[data-ready='1']")
    page.evaluate(f"() => window.FilmRoomReview.seekFrame({start})")
    page.wait_for_function(
        "() => document.getElementById('review').dataset.settled === '1'"
        " && document.getElementById('player').readyState >= 2"
    )
    result = {}
    for name, direction in (("forward", 1), ("backward", -1)):
        rows = page.evaluate(STEP_JS, {"dir": direction, "steps": steps})
        result[name] = {
            "ms": [r[0] for r in rows],
            "exact": sum(1 for _ms, want, pixels, label in rows if want == pixels == label),
            "n": len(rows),
        }
    result["source"] = page.evaluate("() => window.FilmRoomReview.source")
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--keyints", default="", help="other proxy key-frame intervals, e.g. 6,12")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="filmroom-bench-review-") as tmp:
        source = make_coded_video(Path(tmp) / "coded-1080p60.mp4", args.seconds)
        data = source.read_bytes()
        site = Site(Path(tmp) / "var")
        site.manage("migrate", "--noinput", "-v", "0")
        team = int(site.manage("shell", "-c", SETUP).strip().splitlines()[-1])
        site.start()
        try:
            site.login("bench", "bench-pw-1")
            upload(site, team, "coded-1080p60.mp4", data, 8 * 1024**2)
            status = site.wait_done(1, timeout=900)
            assert status["state"] == "done", status
            digest = hashlib.sha256(data).hexdigest()
            folder = Path(tmp) / "var" / "media" / "replays" / digest[:2] / digest
            info = json.loads((folder / "review.json").read_text())
            frames = status["frame_count"]
            start = frames // 2 - args.steps // 2
            rows: list[tuple[str, dict, str]] = []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                rows.append(
                    (
                        "original (x264 GOP 250)",
                        measure(browser, site, "?original=1", start, args.steps),
                        f"{len(data) / 1e6:.1f} MB",
                    )
                )
                proxy_mb = info["bytes"] / 1e6
                rows.append(
                    (
                        f"proxy keyint {info['keyint']} (the job's)",
                        measure(browser, site, "", start, args.steps),
                        f"{proxy_mb:.1f} MB, made in {info['seconds']:.1f} s",
                    )
                )
                for keyint in [int(k) for k in args.keyints.split(",") if k.strip()]:
                    alt = folder / "review.alt.mp4"
                    began = time.monotonic()
                    make_review_proxy(folder / "source.mp4", alt, keyint=keyint)
                    seconds = time.monotonic() - began
                    os.replace(folder / "review.mp4", folder / "review.job.mp4")
                    os.replace(alt, folder / "review.mp4")
                    size = (folder / "review.mp4").stat().st_size / 1e6
                    rows.append(
                        (
                            f"proxy keyint {keyint}",
                            measure(browser, site, "", start, args.steps),
                            f"{size:.1f} MB, made in {seconds:.1f} s",
                        )
                    )
                    os.replace(folder / "review.job.mp4", folder / "review.mp4")
                browser.close()
        finally:
            site.interrupt()
    base = rows[0][1]
    print(
        f"1080p60 H.264, {frames} frames ({args.seconds:g} s), {args.steps} steps each way "
        f"from frame {start}; ms from key press to the frame on screen"
    )
    print(f"{'stepping on':<30}{'dir':<10}{'p50':>8}{'p95':>8}{'max':>8}", end="")
    print(f"{'p95 vs base':>13}{'exact':>9}  file")
    for name, res, size in rows:
        for direction in ("forward", "backward"):
            ms = res[direction]["ms"]
            ratio = pct(base[direction]["ms"], 0.95) / max(pct(ms, 0.95), 1e-6)
            print(
                f"{name:<30}{direction:<10}{statistics.median(ms):>8.0f}{pct(ms, 0.95):>8.0f}"
                f"{max(ms):>8.0f}{ratio:>12.1f}x"
                f"{res[direction]['exact']:>5}/{res[direction]['n']:<3}  {size}"
            )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
