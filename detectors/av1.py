"""Whether an AV1 stream holds frames the decoder may skip: enough of its headers to tell.

The reader asks decoders to skip non-reference frames (``skip_frame=NONREF``; dav1d's
``DAV1D_DECODEFRAMETYPE_REFERENCE``): an AV1 frame whose ``refresh_frame_flags`` is 0 is never
decoded. What is left decides how dav1d's threads are best used:

* Streams with non-reference frames (random-access encodes: SVT-AV1's default mini-GOPs, half
  their frames) leave frames that do not wait for each other, and frame threading (dav1d's
  default, two frames in flight on two threads) decodes them side by side.
* In a stream where every frame is a reference (low-delay encodes, as real-time and streaming
  encoders write them: the Halo Infinite clip in ``../shared/data``, libaom's realtime mode)
  each frame waits for the one before it. At a low bitrate, where decoding is mostly
  reconstruction and filtering (which dav1d splits by tile and row within a frame), two frames
  in flight mostly wait on each other, and one frame at a time over both threads does the same
  work with 15-20 % fewer cycles. At higher bitrates entropy decoding (serial within a tile)
  weighs more, and a second frame in flight overlaps it. Measured on 2 cores (the detector's
  reader alone, best of 3-10, fresh processes; bits per pixel from the median packet of the
  first 48): the Halo clip (0.017) 0.35 s and 0.69 CPU-s one frame at a time against 0.40 s and
  0.85 CPU-s; libaom realtime 10 s 1080p60 at 4 Mbit/s (0.028) the same wall time, 15 % less
  CPU; at 6 Mbit/s (0.039) 3 % slower, 15 % less CPU; at 8 Mbit/s with grain (0.048), detection
  with the ``large`` profile 10 % slower (5.58 against 5.05 s). Hence ``LOW_BITS_PER_PIXEL``.
  Where half the frames are skipped, one frame at a time took 1.8 times as long.

:func:`all_reference` reads the sequence header and the first frames' headers up to
``refresh_frame_flags`` (AV1 specification, sections 5.3, 5.5 and 5.9.2). It only steers the
decoder's threading, never what is decoded: a header it cannot follow gives None (the default
threading).
"""

from __future__ import annotations

from collections.abc import Iterable

# OBU types (specification 6.2.2).
OBU_SEQUENCE_HEADER = 1
OBU_FRAME_HEADER = 3
OBU_FRAME = 6
# Frame types (6.8.2).
KEY_FRAME, INTRA_ONLY_FRAME, SWITCH_FRAME = 0, 2, 3
# seq_force_screen_content_tools / seq_force_integer_mv: "chosen per frame".
SELECT = 2
# A frame header up to refresh_frame_flags fits in this many bytes (a few fields, plus at most
# 32 operating points' buffer removal times of up to 32 bits); the frame's tile data is not read.
HEADER_BYTES = 512
# Under this many bits per pixel in a stream's median packet, a stream of reference frames only
# is decoded one frame at a time (see the module docstring; about 3.7 Mbit/s at 1080p60).
LOW_BITS_PER_PIXEL = 0.03


class _Bits:
    """Big-endian bit reader over ``data`` (specification 4.10)."""

    def __init__(self, data: bytes | memoryview) -> None:
        self.value = int.from_bytes(data, "big")
        self.left = 8 * len(data)

    def f(self, n: int) -> int:
        if n > self.left:
            raise ValueError("header runs past its OBU")
        self.left -= n
        return (self.value >> self.left) & ((1 << n) - 1)

    def uvlc(self) -> int:
        zeros = 0
        while not self.f(1):
            zeros += 1
            if zeros >= 32:
                return (1 << 32) - 1
        return self.f(zeros) + (1 << zeros) - 1


def _leb128(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        if pos >= len(data):
            raise ValueError("size runs past the data")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, pos
    raise ValueError("size over 8 bytes")


def obus(data: bytes | memoryview) -> Iterable[tuple[int, int, int, bytes | memoryview]]:
    """(type, temporal id, spatial id, payload) of each OBU in a packet (low-overhead format)."""
    pos = 0
    while pos < len(data):
        header = data[pos]
        kind, extension, has_size = (header >> 3) & 0xF, header & 0x4, header & 0x2
        pos += 1
        temporal = spatial = 0
        if extension:
            if pos >= len(data):
                raise ValueError("extension header past the data")
            temporal, spatial = data[pos] >> 5, (data[pos] >> 3) & 0x3
            pos += 1
        size, pos = _leb128(data, pos) if has_size else (len(data) - pos, pos)
        if pos + size > len(data):
            raise ValueError("OBU runs past the data")
        yield kind, temporal, spatial, data[pos : pos + size]
        pos += size


class _Sequence:
    """What the frame headers' first fields depend on, from a sequence header OBU (5.5)."""

    def __init__(self, payload: bytes | memoryview) -> None:
        b = _Bits(payload)
        b.f(3)  # seq_profile
        b.f(1)  # still_picture
        self.reduced = b.f(1)
        self.decoder_model = 0
        self.equal_interval = 0
        self.presentation_bits = 0
        self.removal_bits = 0
        self.ops: list[tuple[int, int]] = []  # (operating_point_idc, decoder model present)
        if self.reduced:
            b.f(5)  # seq_level_idx[0]
            self.ops = [(0, 0)]
        else:
            self._operating_points(b)
        width_bits, height_bits = b.f(4) + 1, b.f(4) + 1
        b.f(width_bits)
        b.f(height_bits)
        self.frame_ids = 0 if self.reduced else b.f(1)
        self.id_bits = 0
        if self.frame_ids:
            delta, extra = b.f(4) + 2, b.f(3) + 1
            self.id_bits = delta + extra
        b.f(3)  # use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
        self.screen_tools = self.integer_mv = SELECT
        self.order_hint_bits = 0
        if not self.reduced:
            b.f(4)  # interintra, masked compound, warped motion, dual filter
            order_hint = b.f(1)
            if order_hint:
                b.f(2)  # enable_jnt_comp, enable_ref_frame_mvs
            self.screen_tools = SELECT if b.f(1) else b.f(1)
            if self.screen_tools > 0:
                self.integer_mv = SELECT if b.f(1) else b.f(1)
            if order_hint:
                self.order_hint_bits = b.f(3) + 1

    def _operating_points(self, b: _Bits) -> None:
        delay_bits = 0
        if b.f(1):  # timing_info_present_flag
            b.f(32)  # num_units_in_display_tick
            b.f(32)  # time_scale
            self.equal_interval = b.f(1)
            if self.equal_interval:
                b.uvlc()
            self.decoder_model = b.f(1)
            if self.decoder_model:
                delay_bits = b.f(5) + 1
                b.f(32)  # num_units_in_decoding_tick
                self.removal_bits = b.f(5) + 1
                self.presentation_bits = b.f(5) + 1
        display_delay = b.f(1)
        for _ in range(b.f(5) + 1):
            idc = b.f(12)
            if b.f(5) > 7:  # seq_level_idx
                b.f(1)  # seq_tier
            model = 0
            if self.decoder_model:
                model = b.f(1)
                if model:
                    b.f(2 * delay_bits + 1)  # decoder/encoder buffer delay, low_delay_mode_flag
            if display_delay and b.f(1):
                b.f(4)
            self.ops.append((idc, model))

    def refreshes(self, payload: bytes | memoryview, temporal: int, spatial: int) -> int | None:
        """A frame header's ``refresh_frame_flags`` (5.9.2); None for a shown existing frame."""
        b = _Bits(payload[:HEADER_BYTES])
        if self.reduced:
            return 0xFF  # a still picture: one key frame
        if b.f(1):  # show_existing_frame
            return None
        frame_type, show = b.f(2), b.f(1)
        if show and self.decoder_model and not self.equal_interval:
            b.f(self.presentation_bits)  # temporal_point_info
        if not show:
            b.f(1)  # showable_frame
        if frame_type == SWITCH_FRAME or (frame_type == KEY_FRAME and show):
            return 0xFF
        error_resilient = b.f(1)
        b.f(1)  # disable_cdf_update
        screen_tools = b.f(1) if self.screen_tools == SELECT else self.screen_tools
        if screen_tools and self.integer_mv == SELECT:
            b.f(1)  # force_integer_mv
        if self.frame_ids:
            b.f(self.id_bits)  # current_frame_id
        b.f(1)  # frame_size_override_flag (not a switch frame, not reduced)
        b.f(self.order_hint_bits)
        intra = frame_type in (KEY_FRAME, INTRA_ONLY_FRAME)
        if not (intra or error_resilient):
            b.f(3)  # primary_ref_frame
        if self.decoder_model and b.f(1):  # buffer_removal_time_present_flag
            for idc, model in self.ops:
                in_layer = (idc >> temporal) & 1 and (idc >> (spatial + 8)) & 1
                if model and (idc == 0 or in_layer):
                    b.f(self.removal_bits)
        return b.f(8)


def all_reference(
    packets: Iterable[bytes | memoryview], extradata: bytes | None = None
) -> bool | None:
    """Whether every frame the packets hold is a reference frame (none a decoder skips).

    ``extradata``: the container's codec configuration (an ``av1C`` record: 4 bytes, then the
    sequence header OBU), used where the packets do not repeat the sequence header. None: no
    frame found, or a header this reader cannot follow.
    """
    sequence: _Sequence | None = None
    frames = 0
    try:
        if extradata and len(extradata) > 4 and extradata[0] & 0x80:
            for kind, _t, _s, payload in obus(extradata[4:]):
                if kind == OBU_SEQUENCE_HEADER:
                    sequence = _Sequence(payload)
        for data in packets:
            for kind, temporal, spatial, payload in obus(data):
                if kind == OBU_SEQUENCE_HEADER:
                    sequence = _Sequence(payload)
                elif kind in (OBU_FRAME_HEADER, OBU_FRAME) and sequence is not None:
                    refresh = sequence.refreshes(payload, temporal, spatial)
                    if refresh == 0:
                        return False
                    frames += refresh is not None
    except ValueError:
        return None
    return True if frames else None
