"""Deterministic generator of synthetic street-camera scenes: shared bikes, waste piles,
distractors and varied light, with YOLO labels. Same seed, same pixels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]
Box = tuple[float, float, float, float]

FRAME_W = 320
FRAME_H = 240

# The shipped model's classes, in label order.
CLASS_NAMES: tuple[str, ...] = ("shared_bike", "waste_pile")
BIKE_CLASS = 0
WASTE_CLASS = 1


class Split(StrEnum):
    """Training and held-out scenes come from disjoint parameters, not only other seeds."""

    TRAIN = "train"
    HELDOUT = "heldout"


# Distractor kinds per split: the held-out set also shows things the model never saw.
TRAIN_DISTRACTORS = ("pedestrian", "car", "bin", "planter", "manhole", "cone")
HELDOUT_DISTRACTORS = ("pedestrian", "car", "bin", "bench", "bollard", "lamp")

# Light parameters per split: interleaved intervals, so the held-out light is never trained on.
_GAIN = {
    Split.TRAIN: ((0.45, 0.62), (0.75, 0.95), (1.1, 1.35)),
    Split.HELDOUT: ((0.62, 0.75), (0.95, 1.1)),
}
_WARMTH = {
    Split.TRAIN: ((-0.25, -0.1), (0.0, 0.1), (0.2, 0.3)),
    Split.HELDOUT: ((-0.1, 0.0), (0.1, 0.2)),
}
_SPLIT_STREAM = {Split.TRAIN: 11, Split.HELDOUT: 29}

BIKE_COLOURS: tuple[tuple[int, int, int], ...] = (  # BGR: orange, yellow, blue, green, teal
    (20, 110, 250),
    (20, 210, 250),
    (220, 140, 30),
    (60, 180, 60),
    (180, 170, 40),
)


@dataclass(frozen=True)
class Light:
    """Global light: gain, colour warmth, gamma, a slanted shadow, a glow and sensor noise."""

    gain: float = 1.0
    warmth: float = 0.0
    gamma: float = 1.0
    shadow_x: float = 0.0
    shadow_slope: float = 0.0
    shadow_strength: float = 0.0
    glow_x: float = 0.5
    glow_strength: float = 0.0
    noise: float = 2.0


@dataclass(frozen=True)
class Thing:
    """One object in the scene. `params` fully describe how it is drawn."""

    kind: str
    params: dict[str, Any] = field(hash=False, compare=False)
    box: Box = (0.0, 0.0, 0.0, 0.0)

    @property
    def class_id(self) -> int | None:
        return {"bike": BIKE_CLASS, "waste": WASTE_CLASS}.get(self.kind)


@dataclass(frozen=True)
class Scene:
    """A fixed camera's view (background), the things in it, and the light."""

    background: dict[str, Any] = field(hash=False, compare=False)
    things: tuple[Thing, ...] = ()
    light: Light = Light()
    noise_seed: int = 0
    width: int = FRAME_W
    height: int = FRAME_H

    def without(self, kind: str) -> Scene:
        return replace(self, things=tuple(t for t in self.things if t.kind != kind))

    def with_things(self, things: Sequence[Thing]) -> Scene:
        return replace(self, things=tuple(things))

    def under(self, light: Light, noise_seed: int | None = None) -> Scene:
        return replace(
            self, light=light, noise_seed=self.noise_seed if noise_seed is None else noise_seed
        )

    def labels(self) -> list[tuple[int, Box]]:
        return [(t.class_id, t.box) for t in self.things if t.class_id is not None]


def _uniform_in(rng: np.random.Generator, intervals: Sequence[tuple[float, float]]) -> float:
    widths = np.array([b - a for a, b in intervals])
    i = int(rng.choice(len(intervals), p=widths / widths.sum()))
    lo, hi = intervals[i]
    return float(rng.uniform(lo, hi))


def random_light(rng: np.random.Generator, split: Split) -> Light:
    return Light(
        gain=_uniform_in(rng, _GAIN[split]),
        warmth=_uniform_in(rng, _WARMTH[split]),
        gamma=float(rng.uniform(0.8, 1.25)),
        shadow_x=float(rng.uniform(0.0, 1.0)),
        shadow_slope=float(rng.uniform(-1.5, 1.5)),
        shadow_strength=float(rng.choice([0.0, rng.uniform(0.2, 0.5)])),
        glow_x=float(rng.uniform(0.0, 1.0)),
        glow_strength=float(rng.choice([0.0, 0.0, rng.uniform(0.1, 0.35)])),
        noise=float(rng.uniform(1.0, 6.0)),
    )


def random_background(
    rng: np.random.Generator, width: int = FRAME_W, height: int = FRAME_H
) -> dict[str, Any]:
    horizon = int(height * rng.uniform(0.25, 0.42))
    return {
        "seed": int(rng.integers(0, 2**31)),
        "width": width,
        "height": height,
        "horizon": horizon,
        "curb": int(rng.uniform(horizon + 0.35 * (height - horizon), height * 0.92)),
        "wall": [int(c) for c in rng.integers(70, 200, 3)],
        "walk": [int(c) for c in rng.integers(110, 190, 3)],
        "road": int(rng.integers(55, 100)),
        "tile": int(rng.integers(10, 26)),
        "walk_on_top": bool(rng.random() < 0.7),
    }


def _scale_at(background: dict[str, Any], y: float) -> float:
    """Perspective: things further up the frame are smaller."""
    horizon, height = background["horizon"], background["height"]
    return 0.45 + 0.75 * (y - horizon) / max(1.0, height - horizon)


def make_bike(rng: np.random.Generator, x: float, y: float, scale: float) -> Thing:
    r = float(rng.uniform(7.5, 10.5) * scale)
    params = {
        "x": x,
        "y": y,
        "r": r,
        "squash": float(rng.uniform(0.55, 1.0)),
        "flip": bool(rng.random() < 0.5),
        "colour": [int(c) for c in BIKE_COLOURS[int(rng.integers(len(BIKE_COLOURS)))]],
        "basket": bool(rng.random() < 0.6),
        "tyre": int(rng.integers(15, 55)),
        "lean": float(rng.uniform(-0.08, 0.08)),
    }
    return Thing("bike", params, _bike_box(params))


def _bike_points(p: dict[str, Any]) -> dict[str, tuple[float, float]]:
    r, sq = p["r"], p["squash"]
    wb = 2.6 * r * sq
    sign = -1.0 if p["flip"] else 1.0
    x0, yb = p["x"] - sign * wb / 2, p["y"]

    def at(dx: float, dy: float) -> tuple[float, float]:
        return (x0 + sign * dx * wb + p["lean"] * dy * r, yb - dy * r)

    return {
        "rear": at(0.0, 1.0),
        "front": at(1.0, 1.0),
        "bracket": at(0.45, 0.85),
        "seat": at(0.3, 2.3),
        "head": at(0.85, 2.35),
        "bar": at(0.78, 2.85),
        "basket": at(1.02, 2.3),
    }


def _bike_box(p: dict[str, Any]) -> Box:
    pts = _bike_points(p)
    r, sq = p["r"], p["squash"]
    xs = [pts["rear"][0] - r * sq, pts["rear"][0] + r * sq, pts["front"][0] - r * sq]
    xs += [pts["front"][0] + r * sq, pts["bar"][0], pts["seat"][0]]
    if p["basket"]:
        xs += [pts["basket"][0] - 0.45 * r, pts["basket"][0] + 0.45 * r]
    top = min(pts["bar"][1], pts["seat"][1] - 0.25 * r) - 1
    return (min(xs) - 1, top, max(xs) + 1, p["y"] + 1)


def _draw_bike(img: Image, p: dict[str, Any]) -> None:
    pts = {k: (round(v[0]), round(v[1])) for k, v in _bike_points(p).items()}
    r, sq = p["r"], p["squash"]
    colour = tuple(p["colour"])
    tyre = (p["tyre"],) * 3
    thick = max(1, round(r * 0.28))
    axes = (max(1, round(r * sq)), max(1, round(r)))
    for hub in ("rear", "front"):
        cv2.ellipse(img, pts[hub], axes, 0, 0, 360, tyre, thick, cv2.LINE_AA)
        cv2.ellipse(
            img,
            pts[hub],
            (max(1, axes[0] - thick), max(1, axes[1] - thick)),
            0,
            0,
            360,
            (170, 170, 170),
            1,
            cv2.LINE_AA,
        )
    frame_w = max(1, round(r * 0.22))
    for a, b in (
        ("rear", "bracket"),
        ("bracket", "seat"),
        ("seat", "rear"),
        ("bracket", "head"),
        ("head", "front"),
        ("seat", "head"),
    ):
        cv2.line(img, pts[a], pts[b], colour, frame_w, cv2.LINE_AA)
    cv2.line(img, pts["head"], pts["bar"], (40, 40, 40), frame_w, cv2.LINE_AA)
    bar_half = max(2, round(r * 0.45))
    cv2.line(
        img,
        (pts["bar"][0] - bar_half, pts["bar"][1]),
        (pts["bar"][0] + bar_half, pts["bar"][1]),
        (35, 35, 35),
        frame_w,
        cv2.LINE_AA,
    )
    seat_w = max(2, round(r * 0.5))
    cv2.ellipse(
        img,
        pts["seat"],
        (seat_w, max(1, round(r * 0.18))),
        0,
        0,
        360,
        (25, 25, 25),
        -1,
        cv2.LINE_AA,
    )
    if p["basket"]:
        bx, by = pts["basket"]
        half = max(2, round(r * 0.42))
        cv2.rectangle(img, (bx - half, by - half), (bx + half, by + round(half * 0.6)), colour, -1)
        cv2.rectangle(
            img, (bx - half, by - half), (bx + half, by + round(half * 0.6)), (30, 30, 30), 1
        )


def make_waste(rng: np.random.Generator, x: float, y: float, scale: float) -> Thing:
    w = float(rng.uniform(38, 85) * scale)
    h = float(w * rng.uniform(0.4, 0.75))
    n = 11
    angles = np.linspace(math.pi, 0.0, n)
    radii = rng.uniform(0.7, 1.05, n)
    outline = [
        (x + math.cos(a) * w / 2 * rr, y - math.sin(a) * h * rr)
        for a, rr in zip(angles, radii, strict=True)
    ]
    base = [int(c) for c in rng.integers(60, 150, 3)]
    items = []
    for _ in range(int(rng.integers(4, 9))):
        kind = str(rng.choice(["box", "bag", "plank", "mattress"]))
        cx = float(x + rng.uniform(-0.4, 0.4) * w)
        cy = float(y - rng.uniform(0.1, 0.75) * h)
        size = float(rng.uniform(0.12, 0.3) * w)
        colour = [int(c) for c in rng.integers(30, 230, 3)]
        if kind == "box":
            colour = [
                int(rng.integers(60, 100)),
                int(rng.integers(120, 160)),
                int(rng.integers(170, 210)),
            ]
        items.append(
            {
                "kind": kind,
                "x": cx,
                "y": cy,
                "size": size,
                "colour": colour,
                "angle": float(rng.uniform(-0.6, 0.6)),
            }
        )
    params = {"outline": outline, "base": base, "items": items, "seed": int(rng.integers(0, 2**31))}
    return Thing("waste", params, _waste_box(params))


def _item_polygon(item: dict[str, Any]) -> NDArray[np.float64]:
    s = item["size"]
    w, h = {
        "box": (s, s * 0.8),
        "bag": (s, s * 0.85),
        "plank": (s * 2.2, s * 0.22),
        "mattress": (s * 2.0, s * 0.7),
    }[item["kind"]]
    ca, sa = math.cos(item["angle"]), math.sin(item["angle"])
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return np.array(
        [(item["x"] + cx * ca - cy * sa, item["y"] + cx * sa + cy * ca) for cx, cy in corners]
    )


def _waste_box(p: dict[str, Any]) -> Box:
    pts = np.array(p["outline"])
    ys = [float(pts[:, 1].min()), float(pts[:, 1].max())]
    xs = [float(pts[:, 0].min()), float(pts[:, 0].max())]
    for item in p["items"]:
        poly = _item_polygon(item)
        xs += [float(poly[:, 0].min()), float(poly[:, 0].max())]
        ys += [float(poly[:, 1].min())]
    return (min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1)


def _draw_waste(img: Image, p: dict[str, Any]) -> None:
    rng = np.random.default_rng(p["seed"])
    outline = np.array(p["outline"], dtype=np.int32)
    cv2.fillPoly(img, [outline], tuple(p["base"]), cv2.LINE_AA)
    x1, y1 = outline.min(axis=0)
    x2, y2 = outline.max(axis=0)
    for _ in range(int((x2 - x1) * (y2 - y1) / 25) + 1):  # rubble texture
        px, py = int(rng.integers(x1, x2 + 1)), int(rng.integers(y1, y2 + 1))
        if cv2.pointPolygonTest(outline, (px, py), False) >= 0:
            shade = tuple(int(np.clip(c + rng.integers(-45, 45), 0, 255)) for c in p["base"])
            cv2.circle(img, (px, py), int(rng.integers(1, 3)), shade, -1)
    for item in p["items"]:
        poly = _item_polygon(item).astype(np.int32)
        colour = tuple(item["colour"])
        if item["kind"] == "bag":
            centre = (int(item["x"]), int(item["y"]))
            axes = (max(2, int(item["size"] / 2)), max(2, int(item["size"] * 0.42)))
            cv2.ellipse(
                img, centre, axes, math.degrees(item["angle"]), 0, 360, colour, -1, cv2.LINE_AA
            )
            cv2.ellipse(
                img, centre, axes, math.degrees(item["angle"]), 0, 360, (20, 20, 20), 1, cv2.LINE_AA
            )
        else:
            cv2.fillPoly(img, [poly], colour, cv2.LINE_AA)
            cv2.polylines(img, [poly], True, (30, 30, 30), 1, cv2.LINE_AA)


def make_distractor(rng: np.random.Generator, kind: str, x: float, y: float, scale: float) -> Thing:
    colour = [int(c) for c in rng.integers(20, 235, 3)]
    size = float(rng.uniform(0.85, 1.2) * scale)
    params = {"x": x, "y": y, "s": size, "colour": colour, "flip": bool(rng.random() < 0.5)}
    w, h = {
        "pedestrian": (10, 38),
        "car": (80, 34),
        "bin": (16, 24),
        "planter": (30, 34),
        "manhole": (26, 7),
        "cone": (9, 14),
        "bench": (48, 20),
        "bollard": (6, 16),
        "lamp": (10, 90),
    }[kind]
    box = (x - w * size / 2, y - h * size, x + w * size / 2, y)
    return Thing(kind, params, box)


def _draw_distractor(img: Image, t: Thing) -> None:
    p = t.params
    x1, y1, x2, y2 = (round(v) for v in t.box)
    c = tuple(p["colour"])
    s = p["s"]
    cx = round(p["x"])
    if t.kind == "pedestrian":
        head = max(2, round(4 * s))
        cv2.circle(img, (cx, y1 + head), head, (60, 90, 140), -1, cv2.LINE_AA)
        cv2.rectangle(img, (x1, y1 + 2 * head), (x2, y1 + round(0.6 * (y2 - y1))), c, -1)
        leg = max(1, round(2 * s))
        cv2.line(
            img, (cx - leg, y1 + round(0.6 * (y2 - y1))), (cx - 2 * leg, y2), (40, 40, 60), leg + 1
        )
        cv2.line(
            img, (cx + leg, y1 + round(0.6 * (y2 - y1))), (cx + 2 * leg, y2), (40, 40, 60), leg + 1
        )
    elif t.kind == "car":
        mid = y1 + (y2 - y1) // 2
        cv2.rectangle(img, (x1, mid), (x2, y2 - round(4 * s)), c, -1)
        roof = np.array(
            [
                (x1 + (x2 - x1) // 5, mid),
                (x1 + (x2 - x1) // 3, y1),
                (x2 - (x2 - x1) // 3, y1),
                (x2 - (x2 - x1) // 6, mid),
            ],
            dtype=np.int32,
        )
        cv2.fillPoly(img, [roof], c, cv2.LINE_AA)
        cv2.fillPoly(
            img,
            [(roof * 0.85 + np.array([x1 + (x2 - x1) // 2, mid]) * 0.15).astype(np.int32)],
            (90, 70, 60),
            cv2.LINE_AA,
        )
        wheel = max(2, round(6 * s))
        for wx in (x1 + (x2 - x1) // 5, x2 - (x2 - x1) // 5):
            cv2.circle(img, (wx, y2 - wheel), wheel, (20, 20, 20), -1, cv2.LINE_AA)
    elif t.kind == "bin":
        cv2.rectangle(img, (x1, y1 + 3), (x2, y2), c, -1)
        cv2.rectangle(img, (x1 - 1, y1), (x2 + 1, y1 + 4), tuple(max(0, v - 50) for v in c), -1)
    elif t.kind == "planter":
        cv2.rectangle(img, (x1 + 3, y1 + (y2 - y1) // 2), (x2 - 3, y2), (110, 110, 120), -1)
        cv2.circle(
            img,
            (cx, y1 + (y2 - y1) // 3),
            (x2 - x1) // 2,
            (40, 120 + c[1] // 4, 40),
            -1,
            cv2.LINE_AA,
        )
    elif t.kind == "manhole":
        cv2.ellipse(
            img,
            (cx, (y1 + y2) // 2),
            ((x2 - x1) // 2, max(1, (y2 - y1) // 2)),
            0,
            0,
            360,
            (45, 45, 50),
            -1,
            cv2.LINE_AA,
        )
    elif t.kind == "cone":
        tri = np.array([(cx, y1), (x1, y2), (x2, y2)], dtype=np.int32)
        cv2.fillPoly(img, [tri], (0, 90, 240), cv2.LINE_AA)
        cv2.line(
            img, (x1 + 2, y1 + (y2 - y1) // 2), (x2 - 2, y1 + (y2 - y1) // 2), (240, 240, 240), 1
        )
    elif t.kind == "bench":
        cv2.rectangle(img, (x1, y1), (x2, y1 + (y2 - y1) // 3), c, -1)
        cv2.rectangle(img, (x1, y1 + (y2 - y1) // 2), (x2, y1 + (y2 - y1) * 2 // 3), c, -1)
        for lx in (x1 + 2, x2 - 3):
            cv2.line(img, (lx, y1 + (y2 - y1) // 2), (lx, y2), (30, 30, 30), 2)
    elif t.kind == "bollard":
        cv2.rectangle(img, (x1, y1), (x2, y2), (60, 60, 60), -1)
        cv2.rectangle(img, (x1, y1 + 2), (x2, y1 + 5), (20, 200, 230), -1)
    elif t.kind == "lamp":
        cv2.line(img, (cx, y1), (cx, y2), (70, 70, 70), max(1, round(2 * s)))
        cv2.ellipse(
            img,
            (cx + round(6 * s), y1 + 2),
            (round(7 * s), round(3 * s)),
            0,
            0,
            360,
            (200, 220, 230),
            -1,
        )


def render_background(bg: dict[str, Any]) -> Image:
    rng = np.random.default_rng(bg["seed"])
    w, h = bg["width"], bg["height"]
    img = np.zeros((h, w, 3), np.uint8)
    horizon, curb = bg["horizon"], bg["curb"]
    img[:horizon] = bg["wall"]
    for _ in range(int(rng.integers(3, 8))):  # windows and shop signs
        wx, wy = int(rng.integers(0, w - 20)), int(rng.integers(2, max(3, horizon - 14)))
        ww, wh = int(rng.integers(12, 45)), int(rng.integers(8, 16))
        colour = tuple(int(c) for c in rng.integers(20, 255, 3))
        cv2.rectangle(img, (wx, wy), (wx + ww, min(horizon - 1, wy + wh)), colour, -1)
    walk_top, road_top = (horizon, curb) if bg["walk_on_top"] else (curb, horizon)
    ground = np.zeros((h - horizon, w, 3), np.uint8)
    img[horizon:] = ground
    img[road_top : h if road_top > walk_top else walk_top] = bg["road"]
    img[walk_top : h if walk_top > road_top else road_top] = bg["walk"]
    tile = bg["tile"]
    line_colour = tuple(max(0, c - 25) for c in bg["walk"])
    w_lo, w_hi = (walk_top, h) if walk_top > road_top else (walk_top, road_top)
    for y in range(w_lo, w_hi, tile):
        cv2.line(img, (0, y), (w, y), line_colour, 1)
    for x in range(0, w, tile * 2):
        cv2.line(img, (x, w_lo), (x, w_hi), line_colour, 1)
    cv2.line(img, (0, curb), (w, curb), (200, 200, 200), 2)
    r_lo, r_hi = (road_top, h) if road_top > walk_top else (road_top, walk_top)
    lane_y = (r_lo + r_hi) // 2
    for x in range(int(rng.integers(0, 30)), w, 40):
        cv2.line(img, (x, lane_y), (x + 18, lane_y), (220, 220, 220), 2)
    coarse = rng.normal(0.0, 6.0, (h // 8 + 1, w // 8 + 1, 1))
    texture = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)[:, :, None]
    return np.clip(img.astype(np.float32) + texture, 0, 255).astype(np.uint8)


def apply_light(img: Image, light: Light, noise_seed: int) -> Image:
    h, w = img.shape[:2]
    out = img.astype(np.float32) / 255.0
    tint = np.array([1.0 - 0.6 * light.warmth, 1.0, 1.0 + 0.6 * light.warmth], np.float32)
    out = out * tint * light.gain
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if light.shadow_strength > 0:
        edge = light.shadow_x * w + light.shadow_slope * (ys - h / 2)
        out[xs < edge] *= 1.0 - light.shadow_strength
    if light.glow_strength > 0:
        d2 = (xs - light.glow_x * w) ** 2 + (ys - h * 0.2) ** 2
        out += (light.glow_strength * np.exp(-d2 / (2 * (0.35 * w) ** 2)))[:, :, None]
    out = np.clip(out, 0.0, 1.0) ** light.gamma * 255.0
    rng = np.random.default_rng(noise_seed)
    out += rng.normal(0.0, light.noise, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def render(scene: Scene) -> Image:
    """The camera frame (BGR) of a scene."""
    img = render_background(scene.background)
    # Painter's order: what stands further back is drawn first.
    for thing in sorted(scene.things, key=lambda t: t.box[3]):
        if thing.kind == "bike":
            _draw_bike(img, thing.params)
        elif thing.kind == "waste":
            _draw_waste(img, thing.params)
        else:
            _draw_distractor(img, thing)
    return apply_light(img, scene.light, scene.noise_seed)


def _overlaps(box: Box, boxes: Sequence[Box], margin: float = 2.0) -> bool:
    x1, y1, x2, y2 = box
    return any(
        x1 < b[2] + margin and b[0] - margin < x2 and y1 < b[3] + margin and b[1] - margin < y2
        for b in boxes
    )


def _inside(box: Box, w: int, h: int) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= w - 1 and box[3] <= h - 1


def random_scene(
    seed: int,
    split: Split = Split.TRAIN,
    *,
    bikes: tuple[int, int] = (0, 4),
    wastes: tuple[int, int] = (0, 2),
    distractors: tuple[int, int] = (1, 5),
) -> Scene:
    """A whole random scene: background, bikes, waste piles, distractors, light."""
    rng = np.random.default_rng([_SPLIT_STREAM[split], seed])
    bg = random_background(rng)
    want = ["bike"] * int(rng.integers(bikes[0], bikes[1] + 1)) + ["waste"] * int(
        rng.integers(wastes[0], wastes[1] + 1)
    )
    kinds = TRAIN_DISTRACTORS if split is Split.TRAIN else HELDOUT_DISTRACTORS
    want += [
        str(rng.choice(kinds)) for _ in range(int(rng.integers(distractors[0], distractors[1] + 1)))
    ]
    things: list[Thing] = []
    for kind in want:
        for _attempt in range(20):
            thing = place(rng, bg, kind)
            if _inside(thing.box, bg["width"], bg["height"]) and not _overlaps(
                thing.box, [t.box for t in things]
            ):
                things.append(thing)
                break
    return Scene(
        bg, tuple(things), random_light(rng, split), noise_seed=int(rng.integers(0, 2**31))
    )


def place(
    rng: np.random.Generator,
    bg: dict[str, Any],
    kind: str,
    x: float | None = None,
    y: float | None = None,
) -> Thing:
    """A thing of `kind` standing at (x, y) (its bottom-centre), random where not given."""
    w, h, horizon = bg["width"], bg["height"], bg["horizon"]
    x = float(rng.uniform(0.05 * w, 0.95 * w)) if x is None else x
    y = float(rng.uniform(horizon + 0.2 * (h - horizon), h - 2)) if y is None else y
    scale = _scale_at(bg, y)
    if kind == "bike":
        return make_bike(rng, x, y, scale)
    if kind == "waste":
        return make_waste(rng, x, y, scale)
    return make_distractor(rng, kind, x, y, scale)


def yolo_label_lines(scene: Scene) -> list[str]:
    lines = []
    for cls, (x1, y1, x2, y2) in scene.labels():
        x1, x2 = max(0.0, x1), min(scene.width - 1.0, x2)
        y1, y2 = max(0.0, y1), min(scene.height - 1.0, y2)
        cx, cy = (x1 + x2) / 2 / scene.width, (y1 + y2) / 2 / scene.height
        bw, bh = (x2 - x1) / scene.width, (y2 - y1) / scene.height
        lines.append(f"{cls} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return lines


def write_dataset(root: Path, seeds: Sequence[int], split: Split, subset: str) -> int:
    """Write scenes as a YOLO dataset subset (images/<subset>, labels/<subset>); returns count."""
    images, labels = root / "images" / subset, root / "labels" / subset
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        scene = random_scene(seed, split)
        name = f"{split.value}_{seed:06d}"
        cv2.imwrite(str(images / f"{name}.png"), render(scene))
        (labels / f"{name}.txt").write_text("\n".join(yolo_label_lines(scene)) + "\n")
    return len(seeds)


def write_data_yaml(root: Path, train: str, val: str) -> Path:
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASS_NAMES))
    path = root / "data.yaml"
    path.write_text(
        f"path: {root.resolve()}\ntrain: images/{train}\nval: images/{val}\nnames:\n{names}\n"
    )
    return path
