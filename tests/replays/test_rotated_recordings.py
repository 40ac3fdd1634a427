"""A recording stored sideways with a display matrix (a phone's portrait recording) is used the
way players show it: its size, detection's frames, thumbnails, the profile editor's frame and
the notes' exports are upright, as the review page's player and clips are (a helper saw a note
drawn on the portrait player land elsewhere in a landscape export)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from detectors.clips import thumbnail
from detectors.probe import probe, read_frame
from detectors.smartcut import read_packets
from detectors.video import SampledReader
from tests.media import FFMPEG

CODED = (320, 192)  # width, height as stored
SHOWN = (192, 320)  # as players show it: turned a quarter counter-clockwise


@pytest.fixture(scope="module")
def rotated(tmp_path_factory) -> Path:
    """Black, with a white block in the stored picture's top-left corner (shown bottom-left)."""
    folder = tmp_path_factory.mktemp("rotated")
    flat = folder / "flat.mp4"
    scene = f"color=c=black:s={CODED[0]}x{CODED[1]}:r=30:d=2,drawbox=0:0:64:48:white:t=fill"
    args = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", scene, "-c:v", "libx264"]
    subprocess.run([*args, "-g", "15", "-pix_fmt", "yuv420p", str(flat)], check=True)
    out = folder / "portrait.mp4"
    args = [FFMPEG, "-v", "error", "-y", "-display_rotation", "90", "-i", str(flat)]
    subprocess.run([*args, "-c", "copy", str(out)], check=True)
    return out


def shown_by_ffmpeg(path: Path) -> np.ndarray:
    """The first frame as FFmpeg (like a browser) shows it: turned by the display matrix."""
    args = [FFMPEG, "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo"]
    raw = subprocess.run([*args, "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(SHOWN[1], SHOWN[0], 3)


def white_corner(rgb: np.ndarray) -> str:
    h, w = rgb.shape[:2]
    corners = {
        "top-left": rgb[: h // 8, : w // 8], "top-right": rgb[: h // 8, -w // 8 :],
        "bottom-left": rgb[-h // 8 :, : w // 8], "bottom-right": rgb[-h // 8 :, -w // 8 :],
    }  # fmt: skip
    (corner,) = [name for name, part in corners.items() if part.mean() > 200]
    return corner


def test_its_size_frames_and_thumbnails_are_as_shown(rotated: Path, tmp_path: Path) -> None:
    shown = shown_by_ffmpeg(rotated)
    assert white_corner(shown) == "bottom-left"
    result = probe(rotated)
    assert result.ok and (result.width, result.height) == SHOWN
    frame = read_frame(rotated, 0.0)
    assert frame.shape == shown.shape and np.abs(frame.astype(int) - shown).mean() < 4
    jpg = thumbnail(rotated, 0.5, tmp_path / "t.jpg", width=96, packets=read_packets(rotated))
    image = np.asarray(Image.open(jpg).convert("RGB"))
    assert image.shape[:2] == (160, 96) and white_corner(image) == "bottom-left"
    (first, *_) = SampledReader(rotated, result.frame_times, sample_fps=2, chroma=True)
    assert first.luma.shape == (SHOWN[1], SHOWN[0]) and first.luma.flags.c_contiguous
    assert white_corner(np.dstack([first.luma] * 3)) == "bottom-left"
    assert first.chroma[0].shape == (SHOWN[1] // 2, SHOWN[0] // 2)


def test_a_note_drawn_on_the_player_is_exported_where_it_was_drawn(
    client, users, sync_jobs, rotated
) -> None:
    from coach.notes import exports, services
    from replays.services import replay_ingest_file
    from tests.coach.notes.test_note_exports import body

    replay, _ = replay_ingest_file(
        team=users["team"], uploader=users["owner"], source=rotated,
        original_name="portrait.mp4", move=False,
    )  # fmt: skip
    replay.refresh_from_db()
    assert replay.state == "done" and (replay.width, replay.height) == SHOWN
    # A red box drawn on the player's top-right; the white block shows bottom-left.
    box = {"type": "rect", "color": "#ff0000", "width": 0.02, "points": [[0.5, 0.0], [1.0, 0.2]]}
    note = services.note_create(replay=replay, author=users["coach"], frame=3, shapes=[box])
    client.force_login(users["owner"])
    png = client.get(f"/coach/notes/{note.pk}/export.png")
    assert png.status_code == 200
    picture = np.asarray(Image.open(io.BytesIO(png.content)).convert("RGB"))
    assert picture.shape == (SHOWN[1], SHOWN[0], 3) and white_corner(picture) == "bottom-left"
    assert is_red(box_bottom(picture))
    response = client.get(f"/coach/notes/{note.pk}/export.mp4?before=0&after=0")
    assert response.status_code == 200
    clip = exports.export_dir(note) / "check.mp4"
    clip.write_bytes(body(response))
    with av.open(str(clip)) as container:
        frame = next(container.decode(video=0))
        rgb = upright_rgb(frame)
    assert rgb.shape == (SHOWN[1], SHOWN[0], 3) and white_corner(rgb) == "bottom-left"
    assert is_red(box_bottom(rgb))


def box_bottom(rgb: np.ndarray) -> np.ndarray:
    """The middle of the red box's bottom edge (at 20 % of the height, right half)."""
    y = round(0.2 * SHOWN[1])
    return rgb[y - 1 : y + 1, round(0.6 * SHOWN[0]) : round(0.9 * SHOWN[0])].astype(int)


def is_red(pixels: np.ndarray) -> bool:
    return pixels[..., 0].mean() > 150 and pixels[..., 1].mean() < 110


def upright_rgb(frame: av.VideoFrame) -> np.ndarray:
    from detectors.video import upright, upright_turns

    return upright(frame.to_ndarray(format="rgb24"), upright_turns(frame))
