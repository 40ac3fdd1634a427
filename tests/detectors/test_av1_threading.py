"""Low-bitrate AV1 streams whose every frame is a reference are decoded one frame at a time
(detectors.av1).

Real encoders make each kind: libaom's realtime mode (low delay, every frame a reference) and
SVT-AV1's default random-access mini-GOPs (about half the frames references to none). The
choice only steers dav1d's threads: the frames handed out are the same either way.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from detectors import av1
from detectors.video import SampledReader, own_frame_index
from tests.media import FFMPEG

REALTIME = ["-c:v", "libaom-av1", "-usage", "realtime", "-cpu-used", "8"]
ENCODERS = {
    # 0.014 bits a pixel in the median packet, against av1.LOW_BITS_PER_PIXEL's 0.03.
    "low-delay": [*REALTIME, "-b:v", "40k"],
    # 0.4 bits a pixel.
    "low-delay, high bitrate": [*REALTIME, "-b:v", "1M"],
    "random-access": ["-c:v", "libsvtav1", "-preset", "12", "-g", "120"],
}


def _encode(path: Path, kind: str, seconds: float = 2.0) -> Path:
    source = f"testsrc2=size=320x240:rate=30:duration={seconds}"
    args = [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, *ENCODERS[kind]]
    subprocess.run([*args, str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def streams(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("av1")
    return {kind: _encode(folder / f"{i}.mkv", kind) for i, kind in enumerate(ENCODERS)}


def _packets(path: Path) -> tuple[list[bytes], bytes | None]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        extradata = stream.codec_context.extradata
        return [bytes(p) for p in container.demux(stream) if p.size], extradata


def _skipped(path: Path) -> int:
    """Frames dav1d skips as non-reference frames (what the reader's NONREF asks for)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONREF"
        decoded = sum(1 for _ in container.decode(stream))
    return len(_packets(path)[0]) - decoded


def test_the_headers_tell_what_the_decoder_will_skip(streams):
    for kind, path in streams.items():
        packets, extradata = _packets(path)
        skipped = _skipped(path)
        # The header reading agrees with the decoder itself on every packet of the stream...
        assert av1.all_reference(packets, extradata) is (skipped == 0), kind
        # ...the sequence header comes from the container's av1C record when the packets do
        # not repeat it...
        assert av1.all_reference(packets[1:], extradata) is (skipped == 0), kind
        # ...and the first packets a reader looks at tell the same.
        assert av1.all_reference(packets[:48], extradata) is (skipped == 0), kind
    assert _skipped(streams["low-delay"]) == _skipped(streams["low-delay, high bitrate"]) == 0
    assert _skipped(streams["random-access"]) > 10


@pytest.mark.parametrize(
    "packets",
    [[], [b""], [b"\xff\xff\xff"], [bytes([0x0A, 0x0E, 0x00])], [bytes([0x32, 0x80])]],
    ids=["nothing", "empty", "garbage", "cut-sequence-header", "cut-size"],
)
def test_headers_it_cannot_follow_leave_the_decoder_as_it_is(packets):
    assert av1.all_reference(packets) is None


def test_a_frame_before_any_sequence_header_decides_nothing(streams):
    packets, _extradata = _packets(streams["random-access"])
    frames_only = [p for p in packets[1:] if p[0] >> 3 & 0xF != av1.OBU_SEQUENCE_HEADER]
    assert av1.all_reference(frames_only) is None


def test_the_reader_decodes_one_frame_at_a_time_only_where_every_frame_is_a_reference(
    streams, tmp_path
):
    h264 = tmp_path / "h264.mp4"
    subprocess.run(
        [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=320x240:rate=30:duration=1", "-c:v", "libx264", str(h264)], check=True,
    )  # fmt: skip
    expected = {
        streams["low-delay"]: False,
        streams["low-delay, high bitrate"]: True,
        streams["random-access"]: True,
        h264: True,
    }
    for path, frame_threads in expected.items():
        reader = SampledReader(path, own_frame_index(path), 8.0)
        assert sum(1 for _ in reader) > 0
        assert reader.frame_threads is frame_threads, path.name


def test_the_frames_handed_out_are_the_same_either_way(streams, monkeypatch):
    path = streams["low-delay"]
    index = own_frame_index(path)
    one_at_a_time = [(f.number, f.luma.copy()) for f in SampledReader(path, index, 8.0)]
    monkeypatch.setattr(av1, "all_reference", lambda *args: False)
    reader = SampledReader(path, index, 8.0)
    threaded = [(f.number, f.luma.copy()) for f in reader]
    assert reader.frame_threads
    assert [n for n, _ in threaded] == [n for n, _ in one_at_a_time]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(threaded, one_at_a_time, strict=True))


def test_a_container_that_breaks_while_read_ahead_keeps_the_frames_before_it(streams, monkeypatch):
    # A demuxer error within the packets read ahead (a damaged file): the packets read before it
    # are still decoded and handed out, and the video is marked broken, as without the read-ahead.
    path = streams["low-delay"]
    index = own_frame_index(path)
    real_open = av.open

    class Breaking:
        def __init__(self, container):
            self.container, self.streams = container, container.streams

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.container.__exit__(*exc)

        def demux(self, stream):
            for i, packet in enumerate(self.container.demux(stream)):
                if i == 20:
                    raise av.error.InvalidDataError(-1094995529, "Invalid data found")
                yield packet

    monkeypatch.setattr("detectors.video.av.open", lambda *a, **k: Breaking(real_open(*a, **k)))
    reader = SampledReader(path, index, 8.0)
    numbers = [f.number for f in reader]
    assert numbers and numbers[0] == 0 and max(numbers) < 20
    assert reader.broken
