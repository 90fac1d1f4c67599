"""A small 3D world for generated street-camera scenes: a pinhole camera over a ground plane,
and objects built from parts (tubes, rings, discs, hulls, polygons) in metres.

Bikes are models with a frame, wheels, bar, saddle and basket, seen from any viewpoint, standing
or fallen; waste piles are heaps of items of many materials; the look-alikes (e-mopeds, racks,
railings, bins, people, cars, ...) are here too. The renderers in `scenes3d.py` draw them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

Vec = NDArray[np.float64]
Colour = tuple[int, int, int]


class PartKind(StrEnum):
    TUBE = "tube"  # an open polyline with a thickness in metres
    RING = "ring"  # a closed polyline with a thickness (a tyre, a hoop)
    DISC = "disc"  # a filled closed polygon (a solid wheel, a sign plate)
    HULL = "hull"  # the filled convex hull of points (a box, a bag, a head)


@dataclass(frozen=True)
class Part:
    kind: PartKind
    points: Vec  # (k, 3) world metres
    colour: Colour
    width: float = 0.0  # metres, tubes and rings


@dataclass
class Thing3D:
    """An object in the world: its parts and, for bikes and waste, the label class."""

    kind: str
    parts: list[Part]
    label: int | None = None  # 0 bike, 1 waste pile, None for anything else
    footprint: tuple[float, float, float] = (0.0, 0.0, 0.5)  # x, y, radius on the ground
    fields: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Camera:
    """A pinhole camera at height `h` over the ground (z = 0), looking along +y, pitched down."""

    width: int
    height: int
    f: float  # focal length, pixels
    h: float  # metres above ground
    pitch: float  # radians below the horizontal
    roll: float = 0.0

    @property
    def axes(self) -> tuple[Vec, Vec, Vec]:
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        right = np.array([1.0, 0.0, 0.0])
        down = np.array([0.0, -sp, -cp])
        forward = np.array([0.0, cp, -sp])
        return right, down, forward

    def project(self, points: Vec) -> tuple[Vec, Vec]:
        """Pixel coordinates (k, 2) and depths (k,) of world points (k, 3)."""
        right, down, forward = self.axes
        v = points - np.array([0.0, 0.0, self.h])
        xc, yc, zc = v @ right, v @ down, v @ forward
        z = np.maximum(zc, 1e-3)
        u, w = self.f * xc / z, self.f * yc / z
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        px = np.stack([self.width / 2 + cr * u - sr * w, self.height / 2 + sr * u + cr * w], axis=1)
        return px, zc

    def rays(self) -> Vec:
        """World directions (h, w, 3) through every pixel centre."""
        right, down, forward = self.axes
        ys, xs = np.mgrid[0 : self.height, 0 : self.width].astype(np.float32)
        u, w = xs + 0.5 - self.width / 2, ys + 0.5 - self.height / 2
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        uu, ww = cr * u + sr * w, -sr * u + cr * w  # undo the roll
        d = uu[..., None] / self.f * right + ww[..., None] / self.f * down + forward
        out: Vec = d / np.linalg.norm(d, axis=2, keepdims=True)
        return out

    def ground_at(self, px: float, py: float) -> tuple[float, float, float] | None:
        """Ground point (x, y) and distance seen at pixel (px, py), or None above the horizon."""
        right, down, forward = self.axes
        u, w = px - self.width / 2, py - self.height / 2
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        uu, ww = cr * u + sr * w, -sr * u + cr * w
        d = uu / self.f * right + ww / self.f * down + forward
        if d[2] >= -1e-6:
            return None
        t = self.h / -d[2]
        return float(t * d[0]), float(t * d[1]), float(t * np.linalg.norm(d))


def random_camera(rng: np.random.Generator, width: int, height: int) -> Camera:
    hfov = math.radians(rng.uniform(45, 85))
    return Camera(
        width=width,
        height=height,
        f=width / 2 / math.tan(hfov / 2),
        h=float(rng.uniform(2.2, 8.0)),
        pitch=math.radians(rng.uniform(10, 45)),
        roll=math.radians(rng.normal(0, 1.5)),
    )


# --- placing parts in the world -----------------------------------------------------------


def pose(points: Vec, x: float, y: float, yaw: float, roll: float = 0.0) -> Vec:
    """Local (forward x, left y, up z) points rolled about x, turned by yaw, moved to (x, y)."""
    cr, sr = math.cos(roll), math.sin(roll)
    p = points @ np.array([[1, 0, 0], [0, cr, sr], [0, -sr, cr]], dtype=np.float64)
    cy, sy = math.cos(yaw), math.sin(yaw)
    p = p @ np.array([[cy, sy, 0], [-sy, cy, 0], [0, 0, 1]], dtype=np.float64)
    return p + np.array([x, y, 0.0])


def circle(
    centre: tuple[float, float, float], r: float, axis: str = "y", n: int = 18, start: float = 0.0
) -> Vec:
    """Points of a circle in local coordinates, in the plane normal to `axis`."""
    a = np.linspace(start, start + 2 * math.pi, n, endpoint=False)
    c, s = r * np.cos(a), r * np.sin(a)
    z0 = np.zeros_like(a)
    x, y, z = centre
    if axis == "y":
        return np.stack([x + c, y + z0, z + s], axis=1)
    if axis == "x":
        return np.stack([x + z0, y + c, z + s], axis=1)
    return np.stack([x + c, y + s, z + z0], axis=1)


def box(
    centre: tuple[float, float, float], size: tuple[float, float, float], yaw: float = 0.0
) -> Vec:
    dx, dy, dz = (s / 2 for s in size)
    corners = np.array(
        [[sx * dx, sy * dy, sz * dz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
    )
    cy, sy = math.cos(yaw), math.sin(yaw)
    corners = corners @ np.array([[cy, sy, 0], [-sy, cy, 0], [0, 0, 1]])
    return corners + np.array(centre)


def ellipsoid(centre: tuple[float, float, float], radii: tuple[float, float, float]) -> Vec:
    u = np.linspace(0, 2 * math.pi, 10, endpoint=False)
    rings = [
        np.stack(
            [np.cos(u) * math.cos(v), np.sin(u) * math.cos(v), np.full_like(u, math.sin(v))], 1
        )
        for v in (-0.9, -0.3, 0.3, 0.9)
    ]
    unit = np.concatenate([*rings, np.array([[0, 0, 1.0], [0, 0, -1.0]])])
    return unit * np.array(radii) + np.array(centre)


def cylinder(centre: tuple[float, float, float], r: float, height: float, n: int = 12) -> Vec:
    x, y, z = centre
    bottom = circle((x, y, z), r, axis="z", n=n)
    return np.concatenate([bottom, bottom + np.array([0, 0, height])])


class Builder:
    """Collects a thing's parts in local coordinates; `place` poses them in the world."""

    def __init__(self) -> None:
        self.parts: list[tuple[PartKind, Vec, Colour, float]] = []

    def tube(self, pts: list[tuple[float, float, float]] | Vec, colour: Colour, w: float) -> None:
        self.parts.append((PartKind.TUBE, np.asarray(pts, np.float64), colour, w))

    def ring(self, pts: Vec, colour: Colour, w: float) -> None:
        self.parts.append((PartKind.RING, pts, colour, w))

    def disc(self, pts: Vec, colour: Colour) -> None:
        self.parts.append((PartKind.DISC, pts, colour, 0.0))

    def hull(self, pts: Vec, colour: Colour) -> None:
        self.parts.append((PartKind.HULL, pts, colour, 0.0))

    def place(self, x: float, y: float, yaw: float, roll: float = 0.0) -> list[Part]:
        out = []
        lift = 0.0
        if roll:
            lowest = min(float(pose(p, 0, 0, 0, roll)[:, 2].min()) for _, p, _, _ in self.parts)
            lift = -lowest
        for kind, pts, colour, w in self.parts:
            world = pose(pts, x, y, yaw, roll)
            world[:, 2] += lift
            out.append(Part(kind, world, colour, w))
        return out


# --- colours ---------------------------------------------------------------------------------

SHARED_COLOURS: tuple[Colour, ...] = (  # BGR: yellow, orange, blue, green, teal, white-blue
    (20, 200, 250),
    (20, 120, 250),
    (200, 120, 30),
    (60, 170, 60),
    (170, 170, 40),
    (230, 220, 210),
)
PRIVATE_COLOURS: tuple[Colour, ...] = (
    (25, 25, 25),
    (90, 90, 90),
    (190, 190, 195),
    (30, 30, 160),
    (80, 40, 20),
    (240, 240, 240),
    (40, 90, 40),
)


def _pick(rng: np.random.Generator, colours: tuple[Colour, ...]) -> Colour:
    c = colours[int(rng.integers(len(colours)))]
    jitter = rng.integers(-18, 19, 3)
    return (
        int(np.clip(c[0] + jitter[0], 0, 255)),
        int(np.clip(c[1] + jitter[1], 0, 255)),
        int(np.clip(c[2] + jitter[2], 0, 255)),
    )


def random_colour(rng: np.random.Generator, lo: int = 20, hi: int = 235) -> Colour:
    c = rng.integers(lo, hi, 3)
    return (int(c[0]), int(c[1]), int(c[2]))


def _grey(v: int) -> Colour:
    return (v, v, v)


# --- bikes -----------------------------------------------------------------------------------


def bike(
    rng: np.random.Generator, x: float, y: float, yaw: float, *, fallen: bool = False
) -> Thing3D:
    """A bicycle, shared (bright frame, basket, solid wheels, lock box) or private."""
    shared = bool(rng.random() < 0.65)
    b = Builder()
    r = float(rng.uniform(0.27, 0.35))
    wb = float(r * rng.uniform(2.9, 3.4))
    colour = _pick(rng, SHARED_COLOURS if shared else PRIVATE_COLOURS)
    tube_w = float(rng.uniform(0.03, 0.05) if shared else rng.uniform(0.022, 0.04))
    tyre = _grey(int(rng.integers(10, 50)))
    rear, front = (0.0, 0.0, r), (wb, 0.0, r)
    bracket = (0.38 * wb, 0.0, r * 0.85)
    seat_h = r + float(rng.uniform(0.45, 0.65))
    seat = (0.26 * wb, 0.0, seat_h)
    head_top = (0.84 * wb, 0.0, r + float(rng.uniform(0.45, 0.6)))
    head_low = (0.88 * wb, 0.0, r + 0.25)
    bar = (0.8 * wb, 0.0, head_top[2] + float(rng.uniform(0.08, 0.22)))
    solid_wheels = shared and rng.random() < 0.6
    for hub in (rear, front):
        if solid_wheels:
            b.disc(circle(hub, r * 0.9, n=16), _grey(int(rng.integers(150, 230))))
        else:
            b.ring(circle(hub, r * 0.93, n=18), _grey(int(rng.integers(140, 210))), 0.012)
            for k in range(int(rng.choice([0, 6, 8]))):
                a = math.pi * k / 4 + 0.3
                b.tube(
                    [hub, (hub[0] + r * 0.9 * math.cos(a), 0.0, hub[2] + r * 0.9 * math.sin(a))],
                    _grey(170),
                    0.005,
                )
        b.ring(circle(hub, r, n=20), tyre, float(rng.uniform(0.035, 0.06)))
    b.tube([rear, bracket, seat, rear], colour, tube_w)  # chain and seat stays, seat tube
    if shared or rng.random() < 0.3:  # step-through frame
        mid = (0.62 * wb, 0.0, r * 0.75)
        b.tube([bracket, mid, head_low, head_top], colour, tube_w * 1.3)
    else:
        b.tube([bracket, head_low, head_top, seat], colour, tube_w)
    b.tube([head_low, front], colour if rng.random() < 0.7 else _grey(60), tube_w)  # fork
    b.tube([head_top, bar], _grey(50), tube_w * 0.8)
    half = float(rng.uniform(0.22, 0.32))
    sweep = float(rng.uniform(-0.12, 0.02))
    b.tube([(bar[0] + sweep, half, bar[2]), bar, (bar[0] + sweep, -half, bar[2])], _grey(40), 0.025)
    saddle_c = (seat[0] - 0.03, 0.0, seat[2] + 0.05)
    b.hull(ellipsoid(saddle_c, (0.13, 0.07, 0.035)), _grey(int(rng.integers(15, 60))))
    b.tube([seat, saddle_c], _grey(80), 0.02)
    if rng.random() < 0.6:  # fenders
        for hub in (rear, front):
            arc = np.linspace(0.3 * math.pi, 0.95 * math.pi, 6) + (0.0 if hub is rear else -0.25)
            pts = [
                (hub[0] + r * 1.08 * math.cos(t), 0.0, hub[2] + r * 1.08 * math.sin(t)) for t in arc
            ]
            if hub is rear:
                pts = [(2 * hub[0] - p[0], 0.0, p[2]) for p in pts]
            b.tube(pts, colour if shared else _grey(int(rng.integers(20, 200))), 0.04)
    if shared:
        b.hull(
            box((bracket[0] - 0.05, 0.05, bracket[2]), (0.35, 0.05, 0.16)), colour
        )  # chain guard
    if shared and rng.random() < 0.7:
        b.hull(
            box((0.02 * wb, 0.0, r * 2.15), (0.18, 0.12, 0.09)), _grey(int(rng.integers(30, 230)))
        )
    basket = rng.random() < (0.8 if shared else 0.15)
    if basket:
        bc = (wb + 0.05, 0.0, head_top[2] + 0.02)
        bsize = (float(rng.uniform(0.25, 0.36)), float(rng.uniform(0.3, 0.4)), 0.22)
        bcol = colour if rng.random() < 0.5 else _grey(int(rng.integers(20, 220)))
        b.hull(box(bc, bsize), bcol)
    elif not shared and rng.random() < 0.4:  # rear rack
        b.tube([(-0.15, 0.0, r * 2.0), (0.25, 0.0, r * 2.0), seat], _grey(30), 0.02)
    if not fallen and rng.random() < 0.7:  # kickstand
        b.tube([bracket, (bracket[0] - 0.1, 0.12, 0.0)], _grey(60), 0.015)
    roll = 0.0
    if fallen:
        roll = float(rng.choice([-1, 1]) * rng.uniform(1.2, 1.57))
    parts = b.place(x, y, yaw, roll) if roll else b.place(x, y, yaw)
    # the model is built from the rear hub; centre it on (x, y)
    shift = np.array([math.cos(yaw), math.sin(yaw), 0.0]) * (wb / 2)
    parts = [Part(p.kind, p.points - shift, p.colour, p.width) for p in parts]
    return Thing3D("bike", parts, 0, (x, y, wb * 0.6), {"shared": float(shared)})


def bike_row(
    rng: np.random.Generator, x: float, y: float, direction: float, count: int
) -> list[Thing3D]:
    """Bikes parked side by side along `direction`, each turned across the row."""
    spacing = float(rng.uniform(0.42, 0.8))
    yaw0 = direction + math.pi / 2 + float(rng.normal(0, 0.12)) + float(rng.choice([0, math.pi]))
    fallen_from = count + 1 if rng.random() < 0.75 else int(rng.integers(0, count))
    out = []
    for i in range(count):
        bx = x + math.cos(direction) * spacing * i
        by = y + math.sin(direction) * spacing * i
        out.append(bike(rng, bx, by, yaw0 + float(rng.normal(0, 0.12)), fallen=i == fallen_from))
    return out


# --- waste piles -----------------------------------------------------------------------------

BAG_COLOURS: tuple[Colour, ...] = (
    (25, 25, 25),
    (40, 60, 30),
    (150, 80, 30),
    (235, 235, 235),
    (60, 60, 200),
    (40, 200, 230),
    (200, 200, 190),
)
CARDBOARD: tuple[Colour, ...] = ((70, 120, 170), (90, 140, 190), (60, 100, 150), (120, 160, 200))
WOOD: tuple[Colour, ...] = ((50, 90, 140), (70, 120, 170), (40, 70, 110), (110, 150, 190))
RUBBLE: tuple[Colour, ...] = ((120, 120, 125), (90, 100, 110), (60, 80, 150), (150, 150, 150))


def _pile_item(
    rng: np.random.Generator, b: Builder, material: str, cx: float, cy: float, cz: float, s: float
) -> None:
    yaw = float(rng.uniform(0, math.pi))
    if material == "bag":
        b.hull(
            ellipsoid(
                (cx, cy, cz), (s * rng.uniform(0.6, 1.0), s * rng.uniform(0.5, 0.9), s * 0.6)
            ),
            _pick(rng, BAG_COLOURS),
        )
    elif material == "box":
        size = (s * rng.uniform(0.8, 1.6), s * rng.uniform(0.8, 1.4), s * rng.uniform(0.6, 1.2))
        b.hull(box((cx, cy, cz), size, yaw), _pick(rng, CARDBOARD))
    elif material == "rubble":
        for _ in range(int(rng.integers(3, 7))):
            d = rng.normal(0, s * 0.6, 3)
            sx, sy, sz = (float(v) for v in s * rng.uniform(0.2, 0.5, 3))
            b.hull(
                box((cx + d[0], cy + d[1], max(0.05, cz + d[2] * 0.3)), (sx, sy, sz), yaw),
                _pick(rng, RUBBLE),
            )
    elif material == "plank":
        length = s * rng.uniform(2.5, 5.0)
        tilt = float(rng.uniform(-0.5, 0.5))
        dx, dy = math.cos(yaw) * length / 2, math.sin(yaw) * length / 2
        b.tube(
            [
                (cx - dx, cy - dy, max(0.03, cz - tilt * length / 2)),
                (cx + dx, cy + dy, cz + tilt * length / 2),
            ],
            _pick(rng, WOOD),
            s * 0.25,
        )
    elif material == "mattress":
        size = (s * rng.uniform(3.0, 4.0), s * rng.uniform(2.0, 2.8), s * 0.4)
        colour = _pick(rng, ((230, 230, 230), (200, 180, 150), (180, 200, 220), (150, 150, 200)))
        b.hull(box((cx, cy, cz), size, yaw), colour)
    elif material == "furniture":
        colour = random_colour(rng, 30, 200)
        b.hull(box((cx, cy, cz + s * 0.3), (s * 1.6, s * 1.4, s * 0.3), yaw), colour)
        for sx in (-1, 1):
            b.tube(
                [(cx + sx * s * 0.6, cy, cz + s * 0.3), (cx + sx * s * 0.6, cy, 0.0)],
                colour,
                s * 0.12,
            )
        b.hull(box((cx, cy + s * 0.6, cz + s), (s * 1.6, s * 0.2, s * 1.2), yaw), colour)
    elif material == "branches":
        for _ in range(int(rng.integers(2, 5))):
            a = float(rng.uniform(0, 2 * math.pi))
            length = s * rng.uniform(1.5, 3.5)
            end = (cx + math.cos(a) * length, cy + math.sin(a) * length, cz + rng.uniform(0, s))
            b.tube([(cx, cy, cz), end], _pick(rng, ((40, 70, 100), (30, 50, 70))), s * 0.08)
            b.hull(
                ellipsoid(end, (s * 0.6, s * 0.6, s * 0.45)),
                _pick(rng, ((40, 110, 50), (30, 90, 60), (50, 130, 110), (60, 140, 150))),
            )
    elif material == "tyre":
        b.ring(circle((cx, cy, cz + s * 0.1), s * 0.8, axis="z", n=14), _grey(25), s * 0.35)
    elif material == "foam":
        fx, fy, fz = (float(v) for v in s * rng.uniform(0.6, 1.5, 3))
        b.hull(box((cx, cy, cz), (fx, fy, fz), yaw), _grey(235))
    else:  # textile
        b.hull(ellipsoid((cx, cy, cz), (s * 1.2, s * 0.9, s * 0.3)), random_colour(rng))


MATERIALS = (
    "bag",
    "box",
    "rubble",
    "plank",
    "mattress",
    "furniture",
    "branches",
    "tyre",
    "foam",
    "textile",
)


def waste_pile(
    rng: np.random.Generator, x: float, y: float, *, radius: float | None = None
) -> Thing3D:
    """A heap of items of a few materials on a low mound; 0.7-3 m across (or 2 x radius)."""
    drawn = float(rng.uniform(0.35, 1.5))
    radius = drawn if radius is None else radius
    height = float(radius * rng.uniform(0.5, 1.1))
    kinds = rng.choice(MATERIALS, size=int(rng.integers(1, 4)), replace=False)
    weights = np.array([3.0 if k in ("bag", "box", "rubble") else 1.0 for k in kinds])
    b = Builder()
    if rng.random() < 0.5:  # a mound of rubble or soil under it
        mound = np.concatenate(
            [
                circle((0, 0, 0.0), radius, axis="z", n=12),
                ellipsoid((0, 0, 0), (radius * 0.8, radius * 0.7, height * 0.5)),
            ]
        )
        mound = mound[mound[:, 2] >= 0]
        b.hull(mound, _pick(rng, (*RUBBLE, (50, 70, 90), (40, 60, 80))))
    n = int(rng.integers(5, 22))
    for _ in range(n):
        d = math.sqrt(rng.uniform(0, 1)) * radius
        a = float(rng.uniform(0, 2 * math.pi))
        ix, iy = math.cos(a) * d, math.sin(a) * d
        top = height * (1 - d / radius)
        iz = float(rng.uniform(0.08, max(0.1, top)))
        s = float(rng.uniform(0.12, 0.3) * max(0.6, radius))
        material = str(rng.choice(kinds, p=weights / weights.sum()))
        _pile_item(rng, b, material, ix, iy, iz, s)
    parts = b.place(x, y, float(rng.uniform(0, 2 * math.pi)))
    return Thing3D("waste", parts, 1, (x, y, radius))


def wheelie_bin(
    rng: np.random.Generator, b: Builder, x: float, colour: Colour, lid_open: bool
) -> None:
    w, d, h = 0.58, 0.72, 1.0
    b.hull(box((x, 0.0, h / 2), (w, d, h)), colour)
    lid = tuple(max(0, c - 40) for c in colour)
    if lid_open:
        b.hull(box((x, -d / 2 - 0.02, h + 0.3), (w + 0.04, 0.04, 0.6)), lid)  # type: ignore[arg-type]
    else:
        b.hull(box((x, 0.0, h + 0.03), (w + 0.04, d + 0.06, 0.05)), lid)  # type: ignore[arg-type]
    for sx in (-0.22, 0.22):
        b.disc(circle((x + sx, -d / 2 + 0.05, 0.1), 0.1, axis="x", n=10), _grey(20))


def collection_point(rng: np.random.Generator, x: float, y: float, yaw: float) -> list[Thing3D]:
    """A row of wheelie bins; when spilling, bags on and around them make one waste pile."""
    count = int(rng.integers(1, 5))
    colour = _pick(rng, ((40, 110, 40), (140, 90, 30), (90, 90, 90), (40, 40, 170), (20, 150, 230)))
    spilling = rng.random() < 0.7
    b = Builder()
    for i in range(count):
        wheelie_bin(rng, b, i * 0.66, colour, lid_open=spilling and rng.random() < 0.7)
    if not spilling:
        return [Thing3D("bin", b.place(x, y, yaw), None, (x, y, count * 0.4))]
    for _ in range(int(rng.integers(4, 18))):
        ix = float(rng.uniform(-0.5, count * 0.66 + 0.3))
        iy = float(rng.uniform(-0.9, 0.5))
        on_top = abs(iy) < 0.35 and rng.random() < 0.5
        iz = float(1.15 + rng.uniform(0, 0.3)) if on_top else float(rng.uniform(0.1, 0.45))
        s = float(rng.uniform(0.15, 0.3))
        _pile_item(
            rng, b, str(rng.choice(("bag", "bag", "box", "textile", "furniture"))), ix, iy, iz, s
        )
    return [Thing3D("waste", b.place(x, y, yaw), 1, (x, y, count * 0.4 + 0.5))]


# --- look-alikes and street furniture ---------------------------------------------------------


def e_moped(rng: np.random.Generator, x: float, y: float, yaw: float) -> Thing3D:
    """An electric moped: small fat wheels, a step-through body, a seat over the rear wheel."""
    b = Builder()
    r = float(rng.uniform(0.19, 0.25))
    wb = float(rng.uniform(1.1, 1.35))
    colour = _pick(
        rng,
        (
            (240, 240, 240),
            (30, 30, 30),
            (40, 40, 200),
            (200, 120, 30),
            (20, 200, 250),
            (60, 60, 60),
        ),
    )
    for hub in ((0.0, 0.0, r), (wb, 0.0, r)):
        b.disc(circle(hub, r * 0.6, n=14), _grey(int(rng.integers(120, 200))))
        b.ring(circle(hub, r * 0.85, n=16), _grey(20), r * 0.35)
    b.hull(box((0.5 * wb, 0.0, r * 1.1), (0.55, 0.3, 0.12)), _grey(40))  # floorboard
    b.hull(
        np.concatenate(
            [
                box((0.1, 0.0, r + 0.25), (0.75, 0.36, 0.35)),
                ellipsoid((0.0, 0.0, r + 0.2), (0.4, 0.18, 0.25)),
            ]
        ),
        colour,
    )
    b.hull(box((0.1, 0.0, r + 0.48), (0.6, 0.3, 0.1)), _grey(int(rng.integers(10, 60))))  # seat
    b.hull(box((0.85 * wb, 0.0, r + 0.45), (0.18, 0.4, 0.7)), colour)  # front shield
    b.tube([(0.9 * wb, 0.0, r + 0.8), (wb, 0.0, r)], _grey(60), 0.05)
    b.tube([(0.88 * wb, 0.35, r + 0.85), (0.9 * wb, -0.35, r + 0.85)], _grey(30), 0.03)
    if rng.random() < 0.5:
        b.hull(box((-0.25, 0.0, r + 0.7), (0.35, 0.35, 0.3)), _grey(int(rng.integers(20, 220))))
    parts = b.place(x, y, yaw)
    return Thing3D("e_moped", parts, None, (x, y, 0.8))


def person(rng: np.random.Generator, x: float, y: float, yaw: float) -> Thing3D:
    b = Builder()
    height = float(rng.uniform(1.5, 1.85))
    top = random_colour(rng)
    legs = random_colour(rng, 10, 120)
    stride = float(rng.uniform(-0.25, 0.25))
    hip = 0.5 * height
    b.tube([(stride, 0.1, 0.05), (0.0, 0.1, hip)], legs, 0.14)
    b.tube([(-stride, -0.1, 0.05), (0.0, -0.1, hip)], legs, 0.14)
    b.hull(box((0.0, 0.0, hip + 0.17 * height), (0.25, 0.42, 0.36 * height)), top)
    for side in (-1, 1):
        b.tube(
            [(0.0, side * 0.24, 0.8 * height), (-side * stride * 0.6, side * 0.27, 0.5 * height)],
            top,
            0.09,
        )
    b.hull(
        ellipsoid((0.0, 0.0, 0.92 * height), (0.1, 0.09, 0.12)),
        _pick(rng, ((60, 90, 140), (90, 130, 180), (40, 60, 90))),
    )
    b.hull(
        ellipsoid((0.0, 0.0, 0.95 * height), (0.105, 0.1, 0.09)), _grey(int(rng.integers(10, 60)))
    )
    return Thing3D("person", b.place(x, y, yaw), None, (x, y, 0.35))


def car(rng: np.random.Generator, x: float, y: float, yaw: float) -> Thing3D:
    b = Builder()
    length, width = float(rng.uniform(3.8, 4.8)), float(rng.uniform(1.7, 1.9))
    colour = _pick(
        rng,
        (
            (240, 240, 240),
            (20, 20, 20),
            (150, 150, 150),
            (30, 30, 160),
            (120, 60, 20),
            (200, 200, 200),
        ),
    )
    for sx in (0.8, length - 0.8):
        for sy in (-width / 2 + 0.05, width / 2 - 0.05):
            b.disc(circle((sx, sy, 0.32), 0.32, n=14), _grey(15))
    b.hull(box((length / 2, 0.0, 0.6), (length, width, 0.6)), colour)
    b.hull(
        np.concatenate(
            [
                box((length * 0.5, 0.0, 1.05), (length * 0.45, width * 0.85, 0.35)),
                box((length / 2, 0, 0.9), (length * 0.7, width, 0.02)),
            ]
        ),
        (90, 70, 60),
    )
    parts = b.place(x, y, yaw)
    shift = np.array([math.cos(yaw), math.sin(yaw), 0.0]) * (length / 2)
    parts = [Part(p.kind, p.points - shift, p.colour, p.width) for p in parts]
    return Thing3D("car", parts, None, (x, y, 2.4))


def rack(rng: np.random.Generator, x: float, y: float, yaw: float) -> Thing3D:
    """A bike rack of steel hoops (inverted U) or a ground rail with wheel slots."""
    b = Builder()
    n = int(rng.integers(2, 7))
    gap = float(rng.uniform(0.6, 1.0))
    steel = _grey(int(rng.integers(90, 200))) if rng.random() < 0.7 else random_colour(rng)
    for i in range(n):
        a = np.linspace(0, math.pi, 8)
        hoop = [(i * gap, 0.35 * math.cos(t), 0.85 * min(1.0, 1.3 * math.sin(t) + 0.0)) for t in a]
        hoop = [
            (0.0 + i * gap, p[1], 0.0 if k in (0, 7) else max(p[2], 0.5))
            for k, p in enumerate(hoop)
        ]
        b.tube(hoop, steel, 0.045)
    if rng.random() < 0.5:
        b.tube([(-0.2, 0.0, 0.05), ((n - 1) * gap + 0.2, 0.0, 0.05)], steel, 0.05)
    return Thing3D("rack", b.place(x, y, yaw), None, (x, y, n * gap / 2))


def railing(rng: np.random.Generator, x: float, y: float, yaw: float) -> Thing3D:
    b = Builder()
    length = float(rng.uniform(2.5, 9.0))
    h = float(rng.uniform(0.8, 1.2))
    colour = _pick(
        rng, ((40, 40, 40), (200, 200, 200), (30, 30, 150), (40, 110, 40), (230, 230, 230))
    )
    b.tube([(0.0, 0.0, h), (length, 0.0, h)], colour, 0.05)
    b.tube([(0.0, 0.0, h * 0.35), (length, 0.0, h * 0.35)], colour, 0.04)
    step = float(rng.choice([0.12, 0.2, 1.2, 2.0]))
    for k in range(int(length / step) + 1):
        b.tube([(k * step, 0.0, 0.0), (k * step, 0.0, h)], colour, 0.03 if step < 1 else 0.06)
    if rng.random() < 0.3:  # red and white road barrier panels
        for k in range(int(length / 1.0)):
            c = (30, 30, 220) if k % 2 else (240, 240, 240)
            b.hull(box((k + 0.5, 0.0, h * 0.7), (1.0, 0.03, h * 0.3)), c)
    return Thing3D("railing", b.place(x, y, yaw), None, (x, y, length / 2))


def street_bin(rng: np.random.Generator, x: float, y: float, yaw: float) -> Thing3D:
    b = Builder()
    colour = random_colour(rng, 30, 200)
    if rng.random() < 0.5:
        wheelie_bin(rng, b, 0.0, colour, lid_open=False)
    else:
        b.hull(
            cylinder((0, 0, 0), float(rng.uniform(0.2, 0.3)), float(rng.uniform(0.7, 1.0))), colour
        )
        b.hull(cylinder((0, 0, 0.9), 0.3, 0.06), _grey(60))
    return Thing3D("bin", b.place(x, y, yaw), None, (x, y, 0.4))


def furniture(rng: np.random.Generator, x: float, y: float, yaw: float) -> Thing3D:
    """Street furniture: bollard, sign post, lamp, tree, bench, cone, planter, hydrant, A-board."""
    b = Builder()
    kind = str(
        rng.choice(
            ("bollard", "sign", "lamp", "tree", "bench", "cone", "planter", "hydrant", "board")
        )
    )
    c = random_colour(rng)
    if kind == "bollard":
        b.hull(cylinder((0, 0, 0), 0.1, 0.9), _grey(int(rng.integers(40, 200))))
        b.hull(cylinder((0, 0, 0.6), 0.105, 0.08), (20, 200, 230))
    elif kind == "sign":
        b.tube([(0, 0, 0), (0, 0, 2.4)], _grey(150), 0.06)
        plate = (
            circle((0, 0.05, 2.2), 0.3, axis="x", n=16)
            if rng.random() < 0.5
            else box((0, 0.05, 2.1), (0.6, 0.02, 0.5))
        )
        b.disc(
            plate if len(plate) == 16 else plate[[0, 1, 3, 2]],
            _pick(rng, ((200, 60, 20), (30, 30, 200), (240, 240, 240), (20, 200, 240))),
        )
    elif kind == "lamp":
        b.tube([(0, 0, 0), (0, 0, 5.0), (0.6, 0, 5.3)], _grey(80), 0.1)
        b.hull(box((0.7, 0, 5.2), (0.5, 0.25, 0.12)), _grey(200))
    elif kind == "tree":
        b.tube([(0, 0, 0), (0, 0, 2.2)], (40, 60, 90), 0.22)
        for _ in range(4):
            d = rng.normal(0, 0.6, 3)
            b.hull(
                ellipsoid((d[0], d[1], 3.0 + d[2]), (1.2, 1.2, 1.0)),
                _pick(rng, ((40, 110, 50), (30, 90, 60), (60, 140, 90))),
            )
    elif kind == "bench":
        b.hull(box((0, 0, 0.45), (1.8, 0.45, 0.06)), c)
        b.hull(box((0, 0.22, 0.75), (1.8, 0.05, 0.35)), c)
        for sx in (-0.8, 0.8):
            b.tube([(sx, 0, 0), (sx, 0, 0.45)], _grey(40), 0.05)
    elif kind == "cone":
        b.hull(
            np.concatenate([circle((0, 0, 0), 0.18, axis="z", n=10), np.array([[0, 0, 0.7]])]),
            (0, 90, 240),
        )
    elif kind == "planter":
        b.hull(box((0, 0, 0.35), (1.0, 0.6, 0.7)), _grey(int(rng.integers(90, 180))))
        b.hull(ellipsoid((0, 0, 0.85), (0.55, 0.35, 0.35)), (40, 120, 50))
    elif kind == "hydrant":
        b.hull(cylinder((0, 0, 0), 0.13, 0.7), (30, 30, 200))
        b.hull(ellipsoid((0, 0, 0.72), (0.14, 0.14, 0.1)), (30, 30, 200))
    else:
        b.hull(
            np.array(
                [
                    [0, -0.3, 0],
                    [0, 0.3, 0],
                    [0.25, -0.3, 0.9],
                    [0.25, 0.3, 0.9],
                    [0.5, -0.3, 0],
                    [0.5, 0.3, 0],
                ]
            ),
            c,
        )
    return Thing3D(kind, b.place(x, y, yaw), None, (x, y, 0.4))


NEGATIVES = ("e_moped", "person", "car", "rack", "railing", "bin", "furniture")


def negative(rng: np.random.Generator, kind: str, x: float, y: float, yaw: float) -> Thing3D:
    builders = {
        "e_moped": e_moped,
        "person": person,
        "car": car,
        "rack": rack,
        "railing": railing,
        "bin": street_bin,
        "furniture": furniture,
    }
    return builders[kind](rng, x, y, yaw)
