"""The shape JSON: what validates, and the one renderer both exports use."""

from __future__ import annotations

import numpy as np
import pytest

from coach.notes.shapes import ShapeError, render_shapes, validate_shapes

GREEN = "#00ff00"


def shape(kind: str, points: list, **extra) -> dict:
    return {"type": kind, "color": GREEN, "width": 0.02, "points": points, **extra}


def green(image, x: float, y: float, radius: int = 2) -> bool:
    """Whether there is drawn green within a few pixels of (x, y) (picture-relative)."""
    rgba = np.asarray(image)
    h, w = rgba.shape[:2]
    cx, cy = round(x * (w - 1)), round(y * (h - 1))
    patch = rgba[max(0, cy - radius) : cy + radius + 1, max(0, cx - radius) : cx + radius + 1]
    return bool(((patch[..., 1] > 200) & (patch[..., 3] > 200)).any())


@pytest.mark.parametrize(
    ("drawn", "on", "off"),
    [
        (shape("line", [[0.1, 0.5], [0.9, 0.5]]), [(0.5, 0.5), (0.15, 0.5)], [(0.5, 0.2)]),
        (shape("arrow", [[0.1, 0.5], [0.9, 0.5]]), [(0.5, 0.5), (0.86, 0.53)], [(0.5, 0.6)]),
        (shape("rect", [[0.8, 0.8], [0.2, 0.2]]), [(0.2, 0.5), (0.5, 0.8)], [(0.5, 0.5)]),
        (shape("ellipse", [[0.2, 0.2], [0.8, 0.8]]), [(0.2, 0.5), (0.5, 0.2)], [(0.22, 0.22)]),
        (shape("freehand", [[0.1, 0.1], [0.5, 0.9], [0.9, 0.1]]), [(0.3, 0.5)], [(0.5, 0.3)]),
        (shape("text", [[0.1, 0.1]], text="WWWW", size=0.2), [], [(0.9, 0.9)]),
    ],
)
def test_each_shape_is_drawn_where_its_points_say(drawn, on, off):
    image = render_shapes(validate_shapes([drawn]), 400, 200)
    assert image.mode == "RGBA" and image.size == (400, 200)
    for x, y in on:
        assert green(image, x, y), (x, y)
    for x, y in off:
        assert not green(image, x, y), (x, y)
    assert image.getbbox() is not None


def test_the_same_shapes_scale_with_the_picture():
    shapes = validate_shapes([shape("rect", [[0.25, 0.25], [0.75, 0.75]])])
    small, large = render_shapes(shapes, 160, 90), render_shapes(shapes, 1920, 1080)
    assert small.getbbox() == pytest.approx((40 - 1, 22 - 1, 121, 69), abs=2)
    assert large.getbbox() == pytest.approx((480 - 10, 270 - 10, 1441 + 10, 811 + 10), abs=12)


def test_nothing_drawn_is_fully_transparent():
    assert render_shapes([], 64, 32).getbbox() is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "line"}, "shapes must be a list"),
        ([[0, 1]], "shape 1 must be an object"),
        ([shape("line", [[0, 0], [1, 1]])] * 101, "at most 100 shapes"),
        ([shape("freehand", [[0, 0]] * 2001)], "needs 2 to 2000 points"),
        ([shape("line", [[0, 0], [float("nan"), 1]])], "must be a number"),
        ([shape("line", [[0, 0], [True, 1]])], "must be a number"),
        ([shape("line", [[0, 0], [0, 1, 2]])], "point 2 must be [x, y]"),
        ([shape("line", [[0, 0], [1, 1]], width=0.5)], "width must be between"),
        ([shape("text", [[0, 0]], text="x" * 201)], "text of 1 to 200"),
        ([shape("text", [[0, 0]], text="hi", size=2)], "size must be between"),
    ],
)
def test_it_rejects_bad_shapes_naming_the_problem(data, message):
    with pytest.raises(ShapeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate_shapes(data)


def test_it_fills_in_defaults_and_lowercases_colours():
    (clean,) = validate_shapes([{"type": "line", "points": [[0, 0], [1, 1]], "color": "#AbCdEf"}])
    assert clean == {
        "type": "line",
        "color": "#abcdef",
        "width": 0.006,
        "points": [[0.0, 0.0], [1.0, 1.0]],
    }
