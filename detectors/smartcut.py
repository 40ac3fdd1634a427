"""Cutting an H.264 clip by stream copy, re-encoding only the frames before its first IDR.

Re-encoding a whole 11 s clip of 1080p60 costs more than detecting the whole replay. A clip of an
H.264 source is instead three parts, in one H.264 track:

* the **head**: the frames from the clip's first frame up to the source's next clean IDR frame,
  decoded from the IDR before and re-encoded (x264, no B-frames);
* the **body**: the source's packets from that IDR on, copied as they are;
* the **tail**: the few frames after the body's last clean cut point (B-frames that need a later
  reference frame), re-encoded like the head; usually empty or 1-3 frames.

A "clean cut point" is a place in decode order where every packet before it shows an earlier frame
than every packet after it, so a decode-order run of packets is exactly a run of frames. The body
starts at an IDR (nothing after it refers to anything before it) and ends at a clean cut point.
The head and tail are encoded with parameter-set ids the source does not use, and the track's
``avcC`` carries every SPS and PPS, so one sample description plays in Chromium (checked by
``tests/browser/test_clip_plays_in_chromium.py``).

Only sources the browser plays when copied into MP4 qualify: H.264, 8-bit 4:2:0, Baseline, Main or
High profile (``smart_cut_reason`` says why another source does not); ``detectors.clips`` falls
back to a full re-encode for the rest (VP9, AV1, HEVC, 10-bit, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from detectors.probe import partial_packet

# avcC's profile_idc values Chromium plays, and x264's name for each.
PROFILES = {66: "baseline", 77: "main", 100: "high"}
NAL_SPS, NAL_PPS, NAL_IDR = 7, 8, 5
HEAD_CRF = 20  # the head is a few frames: a little better than the clip default costs little
HEAD_PRESET = "veryfast"


class SmartCutError(RuntimeError):
    """The smart cut could not be done; the caller falls back to a full re-encode."""


@dataclass(frozen=True)
class VideoPackets:
    """A source's video packets in decode order, read once per file and shared by its clips.

    Attributes:
        pts: Each packet's presentation time in ``time_base`` units (decode order).
        rank: Each packet's frame number (its position in presentation order).
        idr: Whether the packet is an IDR access unit.
        ref: Whether the packet is a reference picture (False: nothing else decodes from it).
        time_base: The stream's time base.
        reason: Empty when clips may be stream-copied, else why not.
        nal_size: Bytes of each NAL unit's length prefix.
        extradata: The source's ``avcC``.
    """

    pts: np.ndarray
    rank: np.ndarray
    idr: np.ndarray
    ref: np.ndarray
    time_base: Fraction
    reason: str
    nal_size: int = 4
    extradata: bytes = b""

    @property
    def times(self) -> np.ndarray:
        """Frame-index seconds of each frame (presentation order, frame 0 at 0.0)."""
        ordered = np.sort(self.pts)
        return (ordered - ordered[0]).astype(np.float64) * float(self.time_base)

    def clean(self) -> np.ndarray:
        """``clean[p]``: the first p packets in decode order are exactly frames 0..p-1."""
        prefix_max = np.maximum.accumulate(self.rank)
        ok = np.zeros(self.rank.size + 1, bool)
        ok[0] = True
        ok[1:] = prefix_max == np.arange(self.rank.size)
        return ok


def smart_cut_reason(stream: av.video.stream.VideoStream) -> str:
    """Why the stream's packets cannot be copied into a browser clip ("" when they can)."""
    ctx = stream.codec_context
    if ctx.name != "h264":
        return f"the video is {ctx.name}, not H.264"
    if ctx.pix_fmt not in ("yuv420p", "yuvj420p"):
        return f"the video's pixels are {ctx.pix_fmt}, not 8-bit 4:2:0"
    if ctx.width % 2 or ctx.height % 2:  # the head's x264 re-encode needs an even size
        return f"the video is {ctx.width}x{ctx.height}, an odd size"
    extra = bytes(ctx.extradata or b"")
    if len(extra) < 7 or extra[0] != 1:
        return "the H.264 stream has no avcC header (Annex B)"
    if extra[1] not in PROFILES:
        return f"H.264 profile {extra[1]} is not one browsers play"
    return ""


def read_packets(src: str | Path) -> VideoPackets:
    """Reads every video packet's timing and kind (no decoding).

    Raises:
        SmartCutError: the file cannot be read.
    """
    pts: list[int] = []
    idr: list[bool] = []
    ref: list[bool] = []
    try:
        with av.open(str(src)) as container:
            stream = container.streams.video[0]
            reason = smart_cut_reason(stream)
            extra = bytes(stream.codec_context.extradata or b"")
            nal_size = (extra[4] & 3) + 1 if not reason else 4
            tail: tuple[int | None, int] = (None, 0)
            for packet in container.demux(stream):
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is None or not packet.size:
                    continue
                pts.append(stamp)
                tail = (packet.pos, packet.size)
                types, refs = _nal_kinds(bytes(packet), nal_size) if not reason else ([], [True])
                idr.append(NAL_IDR in types)
                ref.append(any(refs))
            if len(pts) > 1 and partial_packet(stream, len(pts) - 1, *tail):
                # A recording cut short: its last packet is partial (not in the frame index).
                del pts[-1], idr[-1], ref[-1]
            time_base = stream.time_base
    except (av.error.FFmpegError, IndexError) as exc:
        raise SmartCutError(f"cannot read the video packets: {exc}") from exc
    arr = np.asarray(pts, np.int64)
    if arr.size == 0:
        raise SmartCutError("the file holds no video frames")
    if np.unique(arr).size != arr.size:
        reason = reason or "two video packets share a timestamp"
    rank = np.empty(arr.size, np.int64)
    rank[np.argsort(arr, kind="stable")] = np.arange(arr.size)
    return VideoPackets(
        pts=arr,
        rank=rank,
        idr=np.asarray(idr, bool),
        ref=np.asarray(ref, bool),
        time_base=Fraction(time_base),
        reason=reason,
        nal_size=nal_size,
        extradata=extra,
    )


# H.264 bitstream ---------------------------------------------------------------------------------


def _split_prefixed(data: bytes, nal_size: int) -> list[bytes]:
    """The NAL units of a length-prefixed (AVCC) access unit."""
    units, pos = [], 0
    while pos + nal_size <= len(data):
        length = int.from_bytes(data[pos : pos + nal_size], "big")
        pos += nal_size
        units.append(data[pos : pos + length])
        pos += length
    return units


def _split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B access unit (start codes 00 00 01 / 00 00 00 01)."""
    units: list[bytes] = []
    starts = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i + 3)
        i = data.find(b"\x00\x00\x01", i + 3)
    for n, begin in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(data)
        unit = data[begin:end]
        while n + 1 < len(starts) and unit.endswith(b"\x00"):
            unit = unit[:-1]  # the leading zero of the next 4-byte start code
        if unit:
            units.append(unit)
    return units


def _nal_kinds(data: bytes, nal_size: int) -> tuple[list[int], list[bool]]:
    """NAL types of an access unit, and for its slices whether each is a reference."""
    types, refs = [], []
    for unit in _split_prefixed(data, nal_size):
        if not unit:
            continue
        kind = unit[0] & 0x1F
        types.append(kind)
        if kind in (1, 5):
            refs.append(bool(unit[0] & 0x60))
    return types, refs


def _prefixed(units: list[bytes], nal_size: int) -> bytes:
    return b"".join(len(u).to_bytes(nal_size, "big") + u for u in units)


class _Bits:
    """Reads Exp-Golomb numbers from a NAL unit's payload (emulation bytes removed)."""

    def __init__(self, payload: bytes) -> None:
        self.data = payload.replace(b"\x00\x00\x03", b"\x00\x00")
        self.pos = 0

    def bit(self) -> int:
        byte = self.data[self.pos >> 3]
        self.pos += 1
        return byte >> (7 - ((self.pos - 1) & 7)) & 1

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
        value = 1
        for _ in range(zeros):
            value = value << 1 | self.bit()
        return value - 1


def _sps_id(sps: bytes) -> int:
    return _Bits(sps[4:]).ue()  # after the NAL header, profile, constraints and level


def _pps_id(pps: bytes) -> int:
    return _Bits(pps[1:]).ue()


def _avcc_sets(extradata: bytes) -> tuple[list[bytes], list[bytes]]:
    """The SPS and PPS units of an ``avcC`` record."""
    count, pos, sps = extradata[5] & 0x1F, 6, []
    for _ in range(count):
        length = int.from_bytes(extradata[pos : pos + 2], "big")
        sps.append(extradata[pos + 2 : pos + 2 + length])
        pos += 2 + length
    count, pos, pps = extradata[pos], pos + 1, []
    for _ in range(count):
        length = int.from_bytes(extradata[pos : pos + 2], "big")
        pps.append(extradata[pos + 2 : pos + 2 + length])
        pos += 2 + length
    return sps, pps


def _avcc(extradata: bytes, sps: list[bytes], pps: list[bytes]) -> bytes:
    """An ``avcC`` with the source's header bytes and every parameter set given."""
    out = bytearray(extradata[:5])
    out.append(0xE0 | len(sps))
    for unit in sps:
        out += len(unit).to_bytes(2, "big") + unit
    out.append(len(pps))
    for unit in pps:
        out += len(unit).to_bytes(2, "big") + unit
    if extradata[1] in (100, 110, 122, 244):  # High profiles add chroma format and bit depth
        out += b"\xfd\xf8\xf8\x00"
    return bytes(out)


# The cut --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Frame numbers of one clip: head ``[first, body)``, body ``[body, tail)``, tail
    ``[tail, stop)``."""

    first: int
    body: int
    tail: int
    stop: int


def plan(packets: VideoPackets, first: int, stop: int) -> Plan:
    """Where to copy and where to re-encode for frames ``[first, stop)``.

    Raises:
        SmartCutError: no IDR starts a copyable body inside the clip (re-encode it all).
    """
    if packets.reason:
        raise SmartCutError(packets.reason)
    clean = packets.clean()
    n = packets.rank.size
    # At a clean point p the p-th packet in decode order is frame p.
    starts = [p for p in range(first, stop) if clean[p] and packets.idr[p]]
    if not starts:
        raise SmartCutError("no IDR frame inside the clip to copy from")
    body = starts[0]
    if body > first and not any(clean[p] and packets.idr[p] for p in range(first + 1)):
        raise SmartCutError("no IDR frame before the clip's first frame to decode from")
    ends = [q for q in range(stop, body, -1) if q <= n and clean[q]]
    if not ends:
        raise SmartCutError("no clean cut point before the clip's end")
    return Plan(first=first, body=body, tail=ends[0], stop=stop)


def decode_frames(src: Path, packets: VideoPackets, first: int, stop: int) -> list[av.VideoFrame]:
    """Decodes frames ``[first, stop)`` exactly: from the last clean IDR at or before ``first``,
    feeding the decoder every packet up to the first clean point at or after ``stop`` and skipping
    non-reference packets whose frame is not wanted."""
    clean = packets.clean()
    start = max(p for p in range(first + 1) if clean[p] and p < packets.idr.size and packets.idr[p])
    end = next((q for q in range(stop, packets.rank.size + 1) if clean[q]), packets.rank.size)
    span = packets.rank[start:end]
    wanted = {int(p) for p in packets.pts[start:end][(span >= first) & (span < stop)]}
    frames: list[av.VideoFrame] = []
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        container.seek(int(packets.pts[start]), stream=stream, backward=True, any_frame=False)
        fed = 0
        seen_start = False
        for packet in container.demux(stream):
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None or not packet.size:
                continue
            if not seen_start:
                if stamp != packets.pts[start]:
                    continue
                seen_start = True
            position = start + fed
            fed += 1
            if packets.ref[position] or stamp in wanted:
                frames += [f for f in ctx.decode(packet) if f.pts in wanted]
            if start + fed >= end:
                break
        frames += [f for f in ctx.decode(None) if f.pts in wanted]
    if len(frames) != stop - first:
        raise SmartCutError(f"decoded {len(frames)} of {stop - first} frames to re-encode")
    return sorted(frames, key=lambda f: f.pts)


def _encode(
    frames: list[av.VideoFrame], packets: VideoPackets, set_id: int, profile: str
) -> tuple[list[tuple[int, bytes, bool]], bytes, bytes]:
    """Encodes frames with x264 (no B-frames, one IDR first) under parameter-set id ``set_id``.

    Returns:
        ``(pts, length-prefixed data, keyframe)`` per packet, the SPS and the PPS.
    """
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height = frames[0].width, frames[0].height
    ctx.pix_fmt = "yuv420p"
    ctx.time_base = packets.time_base
    ctx.options = {
        "preset": HEAD_PRESET,
        "crf": str(HEAD_CRF),
        "profile": profile,
        "x264-params": f"sps-id={set_id}:bframes=0:keyint=100000:scenecut=0",
    }
    out: list[tuple[int, bytes, bool]] = []
    sps = pps = b""

    def take(encoded: list[av.Packet]) -> None:
        nonlocal sps, pps
        for packet in encoded:
            units = []
            for unit in _split_annexb(bytes(packet)):
                kind = unit[0] & 0x1F
                if kind == NAL_SPS:
                    sps = unit
                elif kind == NAL_PPS:
                    pps = unit
                else:
                    units.append(unit)
            out.append((int(packet.pts), _prefixed(units, packets.nal_size), packet.is_keyframe))

    for frame in frames:
        frame = frame.reformat(format="yuv420p") if frame.format.name != "yuv420p" else frame
        frame.pict_type = av.video.frame.PictureType.NONE
        take(ctx.encode(frame))
    take(ctx.encode(None))
    if not sps or not pps or not out or not out[0][2]:
        raise SmartCutError("x264 gave no IDR with parameter sets")
    return out, sps, pps


def smart_cut(
    src: str | Path, dst: str | Path, packets: VideoPackets, first: int, stop: int
) -> None:
    """Writes frames ``[first, stop)`` of ``src`` to ``dst`` (an MP4, video only): head and tail
    re-encoded, body copied. Timestamps are the source's, shifted so frame ``first`` is at 0.

    Raises:
        SmartCutError: the source does not allow it (the caller re-encodes the whole clip).
    """
    src, dst = Path(src), Path(dst)
    cut = plan(packets, first, stop)
    profile = PROFILES[packets.extradata[1]]
    src_sps, src_pps = _avcc_sets(packets.extradata)
    used = {_sps_id(s) for s in src_sps} | {_pps_id(p) for p in src_pps}
    free = [i for i in range(32) if i not in used]
    sps_all, pps_all = list(src_sps), list(src_pps)
    head: list[tuple[int, bytes, bool]] = []
    tail: list[tuple[int, bytes, bool]] = []
    if cut.body > cut.first:
        head, sps, pps = _encode(
            decode_frames(src, packets, cut.first, cut.body), packets, free[0], profile
        )
        sps_all.append(sps)
        pps_all.append(pps)
    if cut.stop > cut.tail:
        tail, sps, pps = _encode(
            decode_frames(src, packets, cut.tail, cut.stop), packets, free[1], profile
        )
        sps_all.append(sps)
        pps_all.append(pps)
    _mux(src, dst, packets, cut, head, tail, _avcc(packets.extradata, sps_all, pps_all))


def _mux(
    src: Path,
    dst: Path,
    packets: VideoPackets,
    cut: Plan,
    head: list[tuple[int, bytes, bool]],
    tail: list[tuple[int, bytes, bool]],
    avcc: bytes,
) -> None:
    """Writes head, body and tail as one track, decode timestamps recomputed for the whole clip."""
    ordered = np.sort(packets.pts)
    origin = int(ordered[cut.first])
    # Decode order of the clip: head and tail in presentation order, the body as the source has it.
    body_pts = packets.pts[cut.body : cut.tail]
    order = [p for p, _, _ in head] + [int(p) for p in body_pts] + [p for p, _, _ in tail]
    shown = ordered[cut.first : cut.stop]
    ranks = np.searchsorted(shown, np.asarray(order, np.int64))
    delay = int(max(0, np.max(np.arange(len(order)) - ranks)))
    step = int(np.median(np.diff(shown))) if shown.size > 1 else 1
    dts = [
        int(shown[i - delay]) if i >= delay else int(shown[0]) - (delay - i) * max(step, 1)
        for i in range(len(order))
    ]
    with (
        av.open(str(src)) as source,
        av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        in_stream = source.streams.video[0]
        stream = out.add_stream_from_template(in_stream)
        stream.codec_context.extradata = avcc
        stream.time_base = in_stream.time_base
        n = 0

        def put(pts: int, data: bytes | av.Packet, key: bool) -> None:
            nonlocal n
            packet = data if isinstance(data, av.Packet) else av.Packet(data)
            packet.pts, packet.dts = pts - origin, dts[n] - origin
            packet.time_base = in_stream.time_base
            packet.is_keyframe = key
            packet.stream = stream
            out.mux(packet)
            n += 1

        for pts, data, key in head:
            put(pts, data, key)
        if cut.tail > cut.body:
            source.seek(int(packets.pts[cut.body]), stream=in_stream, backward=True)
            started = False
            copied = 0
            for packet in source.demux(in_stream):
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is None or not packet.size:
                    continue
                if not started:
                    if stamp != packets.pts[cut.body]:
                        continue
                    started = True
                put(int(stamp), packet, bool(packets.idr[cut.body + copied]))
                copied += 1
                if copied >= cut.tail - cut.body:
                    break
            if copied != cut.tail - cut.body:
                raise SmartCutError(f"copied {copied} of {cut.tail - cut.body} packets")
        for pts, data, key in tail:
            put(pts, data, key)
