"""A stream-copied clip (re-encoded head, copied body, re-encoded tail: three parameter sets in one
track) plays in Debian's Chromium, showing at each time the frame the source's index says."""

from __future__ import annotations

from pathlib import Path

from detectors.clips import cut_clip
from detectors.probe import frame_index
from detectors.smartcut import plan, read_packets
from tests.detectors.test_clips_smartcut import coded_h264

PAGE = """<!doctype html><video id=v src="clip.mp4" muted preload=auto></video>
<canvas id=c width=320 height=64></canvas>
<script>
const v = document.getElementById("v"), c = document.getElementById("c").getContext("2d");
window.codeAt = async (t) => {
  await new Promise((ok) => {
    v.addEventListener("seeked", ok, { once: true });
    v.currentTime = t;
  });
  await new Promise((ok) => v.requestVideoFrameCallback(() => ok()));
  c.drawImage(v, 0, 0, 320, 64);
  let code = 0;
  for (let bit = 0; bit < 10; bit++) {
    const px = c.getImageData(bit * 32 + 16, 32, 1, 1).data;
    if ((px[0] + px[1] + px[2]) / 3 > 127) code |= 1 << bit;
  }
  return code;
};
</script>"""


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
        got.append(page.evaluate("(t) => window.codeAt(t)", float(middle)))
    assert got == frames
