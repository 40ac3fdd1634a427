"""A stream-copied clip (re-encoded head, copied body, re-encoded tail: three parameter sets in one
track) plays in Debian's Chromium, showing at each time the frame the source's index says."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from detectors.clips import cut_clip
from detectors.probe import frame_index
from detectors.smartcut import plan, read_packets
from tests.detectors.test_clips_smartcut import coded_h264

PAGE = """<!doctype html><style>body{margin:0}</style>
<video id=v src="clip.mp4" muted preload=auto width=320 height=64></video>
<script>
const v = document.getElementById("v");
window.seekTo = async (t) => {
  // The seek is done when it has both ended and shown its frame; both are asked for before the
  // seek starts (a frame shown before "seeked" fires would otherwise be waited for forever). A
  // seek that lands on the frame already shown presents none: then "seeked" and a short wait.
  await new Promise((ok) => {
    let left = 2;
    const one = () => { if (--left === 0) ok(); };
    v.requestVideoFrameCallback(one);
    v.addEventListener("seeked", () => { one(); setTimeout(ok, 1000); }, { once: true });
    v.currentTime = t;
  });
};
</script>"""


def _code(png: bytes) -> int:
    """The frame number the source drew in 10 black/white bars, read from a screenshot (a file://
    page may not read a video's pixels back through a canvas)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    code = 0
    for bit in range(10):
        if image.getpixel((int((bit * 32 + 16) / 320 * width), height // 2)) > 127:
            code |= 1 << bit
    return code


def test_a_smart_cut_clip_shows_the_right_frame_at_every_part_in_chromium(page, tmp_path: Path):
    src = coded_h264(tmp_path / "src.mp4")
    times = frame_index(src)
    first, stop = 30, 95  # head 30-47 (IDR at 48), body from 48, a tail of B-frames before 95
    cut = plan(read_packets(src), first, stop)
    assert cut.first < cut.body < cut.tail < cut.stop  # all three parts are in the clip
    cut_clip(src, tmp_path / "clip.mp4", float(times[first]), float(times[stop]))
    (tmp_path / "index.html").write_text(PAGE)
    page.goto((tmp_path / "index.html").as_uri())
    page.wait_for_function("document.getElementById('v').readyState >= 1")
    assert page.evaluate("document.getElementById('v').error") is None
    frames = [30, 31, 46, 47, 48, 49, 70, 91, 92, 93, 94]
    got = []
    for frame in frames:
        middle = (times[frame] + times[frame + 1]) / 2 - times[first]
        page.evaluate("(t) => window.seekTo(t)", float(middle))
        got.append(_code(page.locator("#v").screenshot()))
    assert got == frames
