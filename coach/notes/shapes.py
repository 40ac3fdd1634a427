"""Drawings on a video frame as vector shapes, and the one function that renders them.

A shape is JSON with coordinates relative to the video picture (x and y from 0 to 1, origin at
the top left), so it lands on the same spot at any player size and at the file's own resolution::

    {"type": "arrow", "color": "#ff3b30", "width": 0.006, "points": [[0.2, 0.3], [0.5, 0.6]]}

``type`` is one of arrow, line, rect, ellipse, freehand, text. Arrow and line take two points
(from, to), rect and ellipse two opposite corners, freehand 2 to 2000 points, text one point (its
top left) plus ``text`` and ``size`` (letter height as a fraction of the picture's height).
``width`` is the stroke width as a fraction of the picture's height. Plain Python (Pillow): the
page's canvas (static/js/notes.js) draws the same geometry.
"""

from __future__ import annotations

import math
import re

from PIL import Image, ImageDraw, ImageFont

TYPES = ("arrow", "line", "rect", "ellipse", "freehand", "text")
POINTS = {"arrow": (2, 2), "line": (2, 2), "rect": (2, 2), "ellipse": (2, 2), "text": (1, 1)}
FREEHAND_POINTS = (2, 2000)
MAX_SHAPES = 100
MAX_TEXT = 200
DEFAULT_WIDTH = 0.006
DEFAULT_SIZE = 0.05
KEYS = {"type", "color", "width", "points", "text", "size"}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ShapeError(ValueError):
    """A drawing that is not a valid shape list; the message says which shape and why."""


def _number(value: object, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ShapeError(f"{what} must be a number")
    if not low <= value <= high:
        raise ShapeError(f"{what} must be between {low:g} and {high:g}, got {value:g}")
    return float(value)


def _shape(raw: object, n: int) -> dict:
    where = f"shape {n + 1}"
    if not isinstance(raw, dict):
        raise ShapeError(f"{where} must be an object")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ShapeError(f"{where} has unknown fields: {', '.join(unknown)}")
    kind = raw.get("type")
    if kind not in TYPES:
        raise ShapeError(f"{where}: type must be one of {', '.join(TYPES)}, got {kind!r}")
    color = raw.get("color", "#ff3b30")
    if not isinstance(color, str) or not _COLOR.match(color):
        raise ShapeError(f"{where}: color must look like #rrggbb, got {color!r}")
    points = raw.get("points")
    low, high = FREEHAND_POINTS if kind == "freehand" else POINTS[kind]
    if not isinstance(points, list) or not low <= len(points) <= high:
        count = str(low) if low == high else f"{low} to {high}"
        raise ShapeError(f"{where} ({kind}) needs {count} points")
    clean = []
    for i, point in enumerate(points):
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise ShapeError(f"{where}: point {i + 1} must be [x, y]")
        clean.append(
            [
                round(_number(v, f"{where}: point {i + 1}'s {a}", 0, 1), 5)
                for a, v in zip("xy", point, strict=True)
            ]
        )
    if kind != "text" and all(point == clean[0] for point in clean):
        raise ShapeError(f"{where} ({kind}) has no size: all its points are the same")
    shape = {
        "type": kind,
        "color": color.lower(),
        "width": _number(raw.get("width", DEFAULT_WIDTH), f"{where}: width", 0.001, 0.05),
        "points": clean,
    }
    if kind == "text":
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise ShapeError(f"{where}: a text label needs text of 1 to {MAX_TEXT} characters")
        shape["text"] = text.strip()
        shape["size"] = _number(raw.get("size", DEFAULT_SIZE), f"{where}: size", 0.01, 0.3)
    return shape


def validate_shapes(data: object) -> list[dict]:
    """Checks a list of shapes and returns it normalised (defaults filled in, colours lowercase).

    Raises:
        ShapeError: with a message naming the first bad shape, e.g.
            "shape 2: point 1's x must be between 0 and 1, got 1.5".
    """
    if data is None:
        return []
    if not isinstance(data, list):
        raise ShapeError("shapes must be a list")
    if len(data) > MAX_SHAPES:
        raise ShapeError(f"at most {MAX_SHAPES} shapes per note, got {len(data)}")
    return [_shape(raw, n) for n, raw in enumerate(data)]


def _rgba(color: str) -> tuple[int, int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), 255


def _font(px: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=px)
    except (TypeError, OSError):  # a Pillow built without FreeType has one bitmap size
        return ImageFont.load_default()


def render_shapes(shapes: list[dict], width: int, height: int) -> Image.Image:
    """Draws shapes on a transparent RGBA picture of ``width`` × ``height`` pixels.

    The one renderer of both exports: the PNG lays it over the decoded frame, the MP4 hands it
    to FFmpeg's overlay filter for the note's frames.

    Args:
        shapes: Shapes as returned by ``validate_shapes``.
        width: The video's width in pixels.
        height: The video's height in pixels.

    Returns:
        An RGBA image, transparent where nothing is drawn.
    """
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        color = _rgba(shape["color"])
        stroke = max(1, round(shape.get("width", DEFAULT_WIDTH) * height))
        pts = [(x * width, y * height) for x, y in shape["points"]]
        kind = shape["type"]
        if kind in ("line", "arrow"):
            draw.line(pts, fill=color, width=stroke)
            if kind == "arrow":
                draw.polygon(_arrow_head(pts[0], pts[1], stroke), fill=color)
        elif kind in ("rect", "ellipse"):
            (x0, y0), (x1, y1) = pts
            box = [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
            (draw.rectangle if kind == "rect" else draw.ellipse)(box, outline=color, width=stroke)
        elif kind == "freehand":
            draw.line(pts, fill=color, width=stroke, joint="curve")
        elif kind == "text":
            size = max(6, round(shape.get("size", DEFAULT_SIZE) * height))
            draw.text(pts[0], shape["text"], fill=color, font=_font(size))
    return image


def _arrow_head(
    start: tuple[float, float], end: tuple[float, float], stroke: int
) -> list[tuple[float, float]]:
    """A filled triangle at ``end``, sized with the stroke (the page draws the same one)."""
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    length = max(8.0, 4.0 * stroke)
    spread = math.radians(28)
    return [
        end,
        (end[0] - length * math.cos(angle - spread), end[1] - length * math.sin(angle - spread)),
        (end[0] - length * math.cos(angle + spread), end[1] - length * math.sin(angle + spread)),
    ]
