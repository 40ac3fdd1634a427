"""Clips of H.264 sources are stream-copied from the first IDR with only the head (and a B-frame
tail) re-encoded, and still hold exactly the frames of the source's frame index at its times;
other codecs are re-encoded whole."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from detectors.clips import cut_clip, make_review_proxy, thumbnail
from detectors.probe import frame_index
from detectors.smartcut import _avcc_sets, plan, read_packets
from tests.media import FFMPEG, frame_code, read_code

FRAMES = 150
GOP = 24


def coded_h264(path: Path, *, vfr: bool = False, size=(320, 64)) -> Path:
    """H.264 whose frame i shows i, an IDR every GOP frames, 3 B-frames with pyramid (as x264
    writes recordings); ``vfr``: frame durations of 20, 33 and 47 ms in turn."""
    width, height = size
    durations = [20, 33, 47] if vfr else [33, 33, 34]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.options = {"bf": "3", "g": str(GOP), "keyint_min": str(GOP), "crf": "18"}
        stream.options["x264-params"] = "scenecut=0:b-pyramid=normal"
        pts = 0
        for i in range(FRAMES):
            frame = av.VideoFrame.from_ndarray(frame_code(i, width, height), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            pts += durations[i % 3]
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def decoded(path: Path) -> tuple[list[int], list[float]]:
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    return [read_code(f.to_ndarray(format="rgb24")) for f in frames], [f.time for f in frames]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return coded_h264(tmp_path_factory.mktemp("smart") / "src.mp4")


@pytest.mark.parametrize(("first", "stop"), [(30, 100), (48, 121), (5, 149), (0, 24), (50, 150)])
def test_a_clip_holds_exactly_its_frames_and_copies_the_source_from_the_first_idr(
    source: Path, tmp_path: Path, first: int, stop: int
) -> None:
    times = frame_index(source)
    end = float(times[stop]) if stop < FRAMES else float(times[-1]) + 0.034
    clip = cut_clip(source, tmp_path / "clip.mp4", float(times[first]), end)
    codes, shown = decoded(clip)
    assert codes == list(range(first, stop))
    np.testing.assert_allclose(shown, times[first:stop] - times[first], atol=0.002)
    cut = plan(read_packets(source), first, stop)
    assert cut.body == -(-first // GOP) * GOP  # the first IDR at or after the clip's start
    with av.open(str(source)) as src, av.open(str(clip)) as out:
        packets = [(float(p.pts * p.time_base), bytes(p)) for p in src.demux(video=0) if p.size]
        zero = min(t for t, _ in packets)
        copied = {
            round(t - zero - times[first], 3): data
            for t, data in packets
            if cut.body <= int(np.argmin(np.abs(times - (t - zero)))) < cut.tail
        }
        stream = out.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        got = {round(float(p.pts * p.time_base), 3): bytes(p) for p in out.demux(stream) if p.size}
        sps, _pps = _avcc_sets(bytes(stream.codec_context.extradata))
    assert copied and all(got.get(t) == data for t, data in copied.items())  # the body is copied
    assert len(sps) == 1 + (cut.body > first) + (cut.tail < stop)
    data = clip.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")


def test_a_variable_frame_rate_source_keeps_its_frame_times(tmp_path: Path) -> None:
    src = coded_h264(tmp_path / "vfr.mp4", vfr=True)
    times = frame_index(src)
    clip = cut_clip(src, tmp_path / "clip.mp4", float(times[37]) + 0.005, float(times[101]))
    codes, shown = decoded(clip)
    assert codes == list(range(37, 101))  # from the frame on screen at the start time
    np.testing.assert_allclose(shown, times[37:101] - times[37], atol=0.002)


def test_a_late_starting_mkv_with_audio_is_cut_with_its_audio(source: Path, tmp_path: Path):
    mkv = tmp_path / "late.mkv"
    args = [FFMPEG, "-v", "error", "-y", "-itsoffset", "1.5", "-i", str(source)]
    args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=7", "-map", "0:v", "-map", "1:a"]
    subprocess.run([*args, "-c:v", "copy", "-c:a", "libvorbis", str(mkv)], check=True)
    times = frame_index(mkv)
    clip = cut_clip(mkv, tmp_path / "clip.mp4", float(times[30]), float(times[90]))
    assert decoded(clip)[0] == list(range(30, 90))
    with av.open(str(clip)) as container:
        (audio,) = container.streams.audio
        assert audio.codec_context.name == "aac"
        seconds = float(audio.duration * audio.time_base)
    assert seconds == pytest.approx(times[90] - times[30], abs=0.05)


def test_a_vp9_source_is_re_encoded_whole_and_exact(tmp_path: Path) -> None:
    webm = tmp_path / "src.webm"
    src = coded_h264(tmp_path / "h.mp4")
    args = [FFMPEG, "-v", "error", "-y", "-i", str(src), "-c:v", "libvpx-vp9", "-g", "12"]
    subprocess.run([*args, "-deadline", "realtime", "-cpu-used", "8", str(webm)], check=True)
    assert read_packets(webm).reason == "the video is vp9, not H.264"
    times = frame_index(webm)
    clip = cut_clip(webm, tmp_path / "clip.mp4", float(times[30]), float(times[70]))
    assert decoded(clip)[0] == list(range(30, 70))


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("h264-444.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv444p"]),
        ("vp9.webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"]),
    ],
)
def test_an_odd_sized_source_gives_clips_and_a_proxy_with_its_last_column_and_row_cropped(
    tmp_path: Path, name: str, codec: list[str]
) -> None:
    """x264's 4:2:0 needs an even size: a 321x65 source used to give no clip and no proxy."""
    odd = tmp_path / name
    src = coded_h264(tmp_path / "h.mp4")
    args = [FFMPEG, "-v", "error", "-y", "-i", str(src)]
    args += ["-vf", "format=yuv444p,pad=iw+1:ih+1", *codec]
    subprocess.run([*args, str(odd)], check=True)
    times = frame_index(odd)
    clip = cut_clip(odd, tmp_path / "clip.mp4", float(times[30]), float(times[70]))
    proxy = tmp_path / "proxy.mp4"
    make_review_proxy(odd, proxy)
    for made, frames in ((clip, list(range(30, 70))), (proxy, list(range(FRAMES)))):
        assert decoded(made)[0] == frames
        with av.open(str(made)) as container:
            video = container.streams.video[0].codec_context
            assert (video.width, video.height, video.pix_fmt) == (320, 64, "yuv420p")


def test_the_review_proxy_of_a_source_with_two_frames_on_one_time_has_one_frame_per_time(
    tmp_path: Path,
) -> None:
    """Such a file got no review proxy (its frames "differed" from the frame index, which has
    one frame per time), so its review page seeked slowly, with nothing said."""
    src = tmp_path / "dup.mkv"
    with av.open(str(src), "w") as out:  # 30 fps in a 1/30 encoder, ms in the file: a 3 s gap
        stream = out.add_stream("libx264", rate=30)  # rounds one pair of frames onto one ms
        stream.width, stream.height, stream.pix_fmt = 320, 64, "yuv420p"
        stream.time_base, stream.options = Fraction(1, 1000), {"bf": "2"}
        pts = 0
        for i in range(120):
            frame = av.VideoFrame.from_ndarray(frame_code(i, 320, 64), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            pts += 3000 if i == 59 else 33
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with av.open(str(src)) as container:
        stamps = [f.pts for f in container.decode(video=0)]
    assert len(stamps) == 120 and len(set(stamps)) == 119  # the case: two frames, one time
    times = frame_index(src)
    proxy = make_review_proxy(src, tmp_path / "proxy.mp4")
    assert proxy.start_s == 0.0
    assert np.allclose(frame_index(tmp_path / "proxy.mp4"), times, atol=0.001)


def test_thumbnails_from_the_packet_index_show_the_asked_frame(source: Path, tmp_path: Path):
    packets, times = read_packets(source), frame_index(source)
    for frame in (0, 23, 24, 61, 149):
        jpg = thumbnail(source, float(times[frame]), tmp_path / "t.jpg", packets=packets)
        image = np.asarray(Image.open(jpg).convert("RGB"))
        assert image.shape[1] == 320 and read_code(image) == frame


def test_no_temporary_file_is_left_beside_a_clip(source: Path, tmp_path: Path) -> None:
    times = frame_index(source)
    cut_clip(source, tmp_path / "clip.mp4", float(times[10]), float(times[60]))
    thumbnail(source, float(times[10]), tmp_path / "clip.jpg", packets=read_packets(source))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.jpg", "clip.mp4"]
