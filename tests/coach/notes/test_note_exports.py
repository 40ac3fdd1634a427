"""Exports of a note: an MP4 clip and a PNG frame with the drawing burned in, on recordings whose
frames show their own index in pixels (so each decoded frame says which frame it is)."""

from __future__ import annotations

import io
import subprocess

import av
import numpy as np
import pytest
from asgiref.sync import async_to_sync
from PIL import Image

from coach.notes import exports, services
from coach.notes.shapes import render_shapes
from tests.conftest import ingest_replay
from tests.media import FFMPEG, make_vfr_video, read_code

WIDTH, HEIGHT = 320, 128
# A thick red frame in the bottom half: the top half keeps the frame's index readable.
BOX = {"type": "rect", "color": "#ff0000", "width": 0.05, "points": [[0.1, 0.6], [0.9, 0.95]]}


def body(response) -> bytes:
    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


@pytest.fixture(scope="module")
def coded_mp4(tmp_path_factory):
    """90 frames at 25 fps with B-frames; frame i shows i in binary."""
    folder = tmp_path_factory.mktemp("coded")
    return make_vfr_video(folder / "coded.mp4", [40] * 90, size=(WIDTH, HEIGHT))


@pytest.fixture(scope="module")
def late_mp4(coded_mp4):
    """The same frames, with every stream starting 0.5 s into the file."""
    out = coded_mp4.with_name("late.mp4")
    args = [FFMPEG, "-v", "error", "-y", "-i", str(coded_mp4), "-c", "copy"]
    subprocess.run([*args, "-output_ts_offset", "0.5", str(out)], check=True)
    return out


def ingest(users, path):
    replay = ingest_replay(path, team=users["team"], uploader=users["owner"])
    assert replay.state == "done" and replay.frame_count == 90, replay.failure_reason
    return replay


def box_mask() -> np.ndarray:
    """Pixels well inside the drawn frame's strokes (away from their anti-aliased edges)."""
    alpha = np.asarray(render_shapes([BOX], WIDTH, HEIGHT))[:, :, 3] > 0
    inner = alpha.copy()
    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1), (2, 0), (-2, 0), (0, 2), (0, -2)):
        inner &= np.roll(alpha, (dy, dx), axis=(0, 1))
    assert inner.sum() > 200
    return inner


def is_red(rgb: np.ndarray, mask: np.ndarray) -> bool:
    r, g, b = (rgb[:, :, c][mask].mean() for c in range(3))
    return r > 180 and g < 90 and b < 90


def decoded(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def late_video_mp4(coded_mp4):
    """The same frames shown from 0.5 s, after an audio track that starts at 0 (a late video)."""
    out = coded_mp4.with_name("late_video.mp4")
    args = [FFMPEG, "-v", "error", "-y", "-itsoffset", "0.5", "-i", str(coded_mp4)]
    args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-map", "0:v", "-map", "1:a"]
    subprocess.run([*args, "-c:v", "copy", "-c:a", "aac", str(out)], check=True)
    return out


@pytest.fixture(scope="module")
def odd_mp4(coded_mp4):
    """The same frames one pixel wider and taller (a black edge), in H.264 4:4:4: x264's 4:2:0,
    which the export is written in, needs an even size."""
    out = coded_mp4.with_name("odd.mp4")
    args = [FFMPEG, "-v", "error", "-y", "-i", str(coded_mp4)]
    args += ["-vf", "format=yuv444p,pad=iw+1:ih+1"]
    subprocess.run([*args, "-c:v", "libx264", "-pix_fmt", "yuv444p", str(out)], check=True)
    return out


@pytest.mark.parametrize("source", ["coded_mp4", "late_mp4", "late_video_mp4", "odd_mp4"])
def test_the_mp4_has_the_drawing_on_the_notes_frames_only(
    client, users, sync_jobs, request, source
):
    replay = ingest(users, request.getfixturevalue(source))
    note = services.note_create(
        replay=replay, author=users["owner"], frame=40, frame_end=44, text="hold", shapes=[BOX]
    )
    client.force_login(users["coach"])
    response = client.get(f"/coach/notes/{note.pk}/export.mp4?before=0.4&after=0.4")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "video/mp4"
    clip = exports.export_dir(note) / "check.mp4"
    clip.write_bytes(body(response))
    with av.open(str(clip)) as container:
        video = container.streams.video[0].codec_context
        assert (video.name, video.pix_fmt) == ("h264", "yuv420p")
        assert (video.width, video.height) == (WIDTH, HEIGHT)  # an odd edge is cropped off
    frames = decoded(clip)
    mask = box_mask()
    shown = [(read_code(f[: HEIGHT // 2]), is_red(f, mask)) for f in frames]
    assert [n for n, _ in shown] == list(range(30, 55))  # 0.4 s = 10 frames each side
    assert [n for n, red in shown if red] == [40, 41, 42, 43, 44]


@pytest.fixture(scope="module")
def cut_mp4(coded_mp4):
    """The same frames, cut short in the middle of a B-frame's packet (a crash mid-write). The
    frame index leaves the partial packet out; FFmpeg decodes it anyway, by concealment, and
    shows it between two frames of the index."""
    whole = coded_mp4.with_name("faststart.mp4")  # its index (moov) first, as a recorder writes
    args = [FFMPEG, "-v", "error", "-y", "-i", str(coded_mp4), "-c", "copy"]
    subprocess.run([*args, "-movflags", "+faststart", str(whole)], check=True)
    shown = -1
    with av.open(str(whole)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):  # stored in decoding order
            if packet.size and packet.pts < shown and packet.pts * stream.time_base > 1.6:
                break  # a B-frame (shown before a frame stored earlier), after frame 40
            shown = max(shown, packet.pts or 0)
    out = coded_mp4.with_name("cut.mp4")
    out.write_bytes(whole.read_bytes()[: packet.pos + packet.size // 2])
    return out


def test_the_mp4_of_a_recording_cut_short_draws_on_the_notes_frames_only(
    client, users, sync_jobs, cut_mp4
):
    """The clip is cut by FFmpeg, which decodes the cut's partial B-frame the frame index leaves
    out: the clip had a frame the replay has not, drawn on as one of the note's, and lost its
    last frame (it stopped after as many frames as the index has)."""
    replay = ingest_replay(cut_mp4, team=users["team"], uploader=users["owner"])
    assert replay.state == "done" and replay.warning.startswith("The recording stops after ")
    times = replay.frame_times()
    codes = [round(t / 0.04) for t in times]  # frame i of the source shows i, 40 ms each
    gap = [i for i in range(len(codes) - 1) if codes[i + 1] - codes[i] > 1][-1]
    assert gap >= 40 and decoded_count(cut_mp4) > len(times)  # FFmpeg decodes more
    note = services.note_create(
        replay=replay, author=users["owner"], frame=gap - 2, frame_end=gap, shapes=[BOX]
    )
    client.force_login(users["coach"])
    response = client.get(f"/coach/notes/{note.pk}/export.mp4?before=0.2&after=0.2")
    assert response.status_code == 200, response.content
    clip = exports.export_dir(note) / "check.mp4"
    clip.write_bytes(body(response))
    mask = box_mask()
    shown = [(read_code(f[: HEIGHT // 2]), is_red(f, mask)) for f in decoded(clip)]
    assert [n for n, red in shown if red] == codes[gap - 2 : gap + 1]
    start, end = times[gap - 2] - 0.2 - 1e-6, times[gap] + 0.2 + 1e-6
    assert [n for n, _ in shown] == [
        c for c, t in zip(codes, times, strict=True) if start <= t <= end
    ]


def decoded_count(path) -> int:
    """How many frames FFmpeg decodes from ``path``."""
    args = [FFMPEG, "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines() if line and not line.startswith("#"))


def test_the_png_is_the_exact_frame_with_its_drawing(client, users, sync_jobs, coded_mp4):
    replay = ingest(users, coded_mp4)
    note = services.note_create(
        replay=replay, author=users["owner"], frame=37, frame_end=39, shapes=[BOX]
    )
    client.force_login(users["owner"])
    for frame, query in ((37, ""), (39, "?frame=39")):
        response = client.get(f"/coach/notes/{note.pk}/export.png{query}")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        rgb = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))
        assert rgb.shape == (HEIGHT, WIDTH, 3)
        assert read_code(rgb[: HEIGHT // 2]) == frame
        assert is_red(rgb, box_mask())
        assert f'-frame{frame}.png"' in response["Content-Disposition"]  # named by its frame
    outside = client.get(f"/coach/notes/{note.pk}/export.png?frame=40")
    assert outside.status_code == 400 and "not one of the note's" in outside.json()["error"]
    assert client.get(f"/coach/notes/{note.pk}/export.png?frame=x").status_code == 400


def test_it_rejects_an_export_longer_than_the_limit(client, users, sync_jobs, coded_mp4):
    replay = ingest(users, coded_mp4)
    note = services.note_create(replay=replay, author=users["owner"], frame=1, text="x")
    client.force_login(users["owner"])
    response = client.get(f"/coach/notes/{note.pk}/export.mp4?before=99")
    assert response.status_code == 400 and "between 0 and 30" in response.json()["error"]
