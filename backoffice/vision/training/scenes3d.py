"""Street-camera scenes from the 3D world (`world.py`), drawn in three independent looks:

- `wire`: line drawings: objects as thin outlines, the street as flat bands and grid lines;
- `solid`: shaded solid objects with cast shadows over a textured street (tiles, asphalt, kerbs,
  lane marks, façades with windows, balconies and shop signs);
- `random`: domain randomization: every surface a random procedural texture in random colours,
  with random shapes (rings, bars, blobs, text) flying about.

Each look also varies the camera (height, pitch, field of view, roll), the street's direction,
light and weather, and camera artefacts. Labels are the boxes of the visible pixels of every bike
and waste pile; things mostly hidden are not labelled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from backoffice.vision.training import world
from backoffice.vision.training.effects import camera_artefacts, light_and_weather
from backoffice.vision.training.world import Camera, Part, PartKind, Thing3D

Image = np.ndarray  # BGR uint8 (h, w, 3)
PixelBox = tuple[float, float, float, float]

STYLES_3D = ("wire", "solid", "random")
SHIFT = 4  # sub-pixel drawing: coordinates in 1/16 px
ONE = 1 << SHIFT
MAP_RES = 0.05  # metres per ground-map pixel
WALL_RES = 0.05


@dataclass(frozen=True)
class Layout:
    """The street across the camera: bands at lateral distances l0 < l1 < l2 < l3 (metres)."""

    theta: float  # the street's direction on the ground
    l0: float  # near façade
    l1: float  # kerb between near pavement and road
    l2: float  # far kerb
    l3: float  # far façade
    wall_h: float

    def lateral(self, x: float, y: float) -> float:
        return -x * math.sin(self.theta) + y * math.cos(self.theta)

    def along(self, x: float, y: float) -> float:
        return x * math.cos(self.theta) + y * math.sin(self.theta)


def random_layout(rng: np.random.Generator) -> Layout:
    theta = float(rng.uniform(0, math.pi))
    l0 = -float(rng.uniform(1.0, 8.0))
    l1 = l0 + float(rng.uniform(3.0, 9.0))
    l2 = l1 + float(rng.uniform(6.0, 16.0))
    l3 = l2 + float(rng.uniform(2.5, 7.0))
    return Layout(theta, l0, l1, l2, l3, float(rng.uniform(6, 25)))


# --- textures ------------------------------------------------------------------------------


def noise_texture(rng: np.random.Generator, h: int, w: int, scale: int, amp: float) -> np.ndarray:
    coarse = rng.normal(0.0, amp, (h // scale + 2, w // scale + 2)).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def random_texture(rng: np.random.Generator, h: int, w: int) -> Image:
    """A procedural texture in random colours: noise, stripes, checks, cells, blobs or scribbles."""
    c1, c2 = (np.array(world.random_colour(rng, 0, 256), np.float32) for _ in range(2))
    kind = int(rng.integers(0, 6))
    if kind == 0:
        t = noise_texture(rng, h, w, int(rng.integers(2, 40)), 1.0)
        t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    elif kind == 1:
        period = float(rng.uniform(4, 40))
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        a = rng.uniform(0, math.pi)
        t = (np.sin((xs * math.cos(a) + ys * math.sin(a)) / period * 2 * math.pi) > 0).astype(
            np.float32
        )
    elif kind == 2:
        s = int(rng.integers(4, 40))
        ys, xs = np.mgrid[0:h, 0:w]
        t = (((xs // s) + (ys // s)) % 2).astype(np.float32)
    elif kind == 3:
        t = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(20, 120))):
            cv2.circle(
                t,
                (int(rng.integers(0, w)), int(rng.integers(0, h))),
                int(rng.integers(2, 30)),
                float(rng.random()),
                -1,
            )
    elif kind == 4:
        t = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(20, 150))):
            p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            p2 = (int(p1[0] + rng.normal(0, 40)), int(p1[1] + rng.normal(0, 40)))
            cv2.line(t, p1, p2, float(rng.random()), int(rng.integers(1, 6)))
    else:
        t = np.full((h, w), float(rng.random()), np.float32)
    t += noise_texture(rng, h, w, 4, float(rng.uniform(0, 0.15)))
    out = c1 * (1 - t[..., None]) + c2 * t[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def ground_map(rng: np.random.Generator, lay: Layout, style: str) -> tuple[Image, float, float]:
    """The street seen from above in (along, lateral) metres; returns image, a0 and l_min."""
    a_half = 30.0
    lmin, lmax = lay.l0 - 1.0, lay.l3 + 1.0
    w, h = int(2 * a_half / MAP_RES), int((lmax - lmin) / MAP_RES)
    py = lambda lat: int((lat - lmin) / MAP_RES)  # noqa: E731
    walk = world.random_colour(rng, 90, 200)
    road = int(rng.integers(40, 110))
    kerb_w = int(rng.uniform(0.12, 0.3) / MAP_RES)
    if style == "random":
        img = np.zeros((h, w, 3), np.uint8)
        for lo, hi in ((lmin, lay.l1), (lay.l1, lay.l2), (lay.l2, lmax)):
            y0, y1 = py(lo), max(py(lo) + 1, py(hi))
            small = random_texture(rng, max(2, (y1 - y0) // 4), w // 4)
            img[y0:y1] = cv2.resize(small, (w, y1 - y0), interpolation=cv2.INTER_NEAREST)
        return img, a_half, lmin
    img = np.empty((h, w, 3), np.uint8)
    img[:] = walk
    img[py(lay.l1) : py(lay.l2)] = (road, road, road + int(rng.integers(-5, 6)))
    line_c = tuple(max(0, c - int(rng.integers(15, 45))) for c in walk)
    tile = float(rng.uniform(0.25, 0.7))
    step = max(3, int(tile / MAP_RES))
    thick = 1 if style == "wire" else int(rng.integers(1, 3))
    offset = step // 2 if rng.random() < 0.5 else 0
    xs = np.arange(w)
    for lo, hi in ((lmin, lay.l1), (lay.l2, lmax)):
        y0, y1 = py(lo), py(hi)
        if y1 <= y0:
            continue
        rows = np.arange(y0, y1)[:, None]
        shifted = xs[None, :] + offset * ((rows - y0) // step % 2)
        grid = ((rows - y0) % step < thick) | (
            shifted % (step * (2 if style == "wire" else 1)) < thick
        )
        img[y0:y1][grid] = line_c
        if rng.random() < 0.5:  # tactile paving strip
            ty = py(lo + (hi - lo) * float(rng.uniform(0.2, 0.8)))
            cv2.rectangle(img, (0, ty), (w, ty + int(0.3 / MAP_RES)), (20, 190, 220), -1)
    for lat in (lay.l1, lay.l2):
        cv2.rectangle(
            img,
            (0, py(lat) - kerb_w),
            (w, py(lat) + 1),
            (175, 175, 180),
            -1 if style != "wire" else 1,
        )
    mid = py((lay.l1 + lay.l2) / 2)
    lane_c = (230, 230, 230) if rng.random() < 0.6 else (30, 200, 230)
    for x in range(0, w, int(rng.uniform(6, 12) / MAP_RES)):
        cv2.rectangle(img, (x, mid - 2), (x + int(3 / MAP_RES), mid + 2), lane_c, -1)
    if rng.random() < 0.5:  # painted parking bays on the pavement
        y0 = py(lay.l1 - float(rng.uniform(1.5, 2.5)))
        x0 = int(rng.integers(0, w // 2))
        cv2.rectangle(
            img,
            (x0, y0),
            (x0 + int(rng.uniform(4, 15) / MAP_RES), py(lay.l1) - kerb_w - 3),
            (235, 235, 235),
            2,
        )
    if rng.random() < 0.3:  # zebra crossing
        x0 = int(rng.integers(w // 4, 3 * w // 4))
        for k in range(int((lay.l2 - lay.l1) / 0.9)):
            y = py(lay.l1 + 0.2 + k * 0.9)
            cv2.rectangle(
                img, (x0, y), (x0 + int(4 / MAP_RES), y + int(0.45 / MAP_RES)), (230, 230, 230), -1
            )
    if style == "solid":
        for _ in range(int(rng.integers(0, 12))):  # stains, manholes, drains
            c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            if rng.random() < 0.5:
                cv2.circle(img, c, int(rng.uniform(0.3, 0.5) / MAP_RES), (60, 60, 65), -1)
            else:
                cv2.ellipse(
                    img,
                    c,
                    (int(rng.integers(5, 60)), int(rng.integers(5, 30))),
                    0,
                    0,
                    360,
                    tuple(max(0, v - 35) for v in walk),
                    -1,
                )
        grain = noise_texture(rng, h, w, int(rng.integers(1, 4)), float(rng.uniform(4, 14)))
        img = np.clip(img.astype(np.float32) + grain[..., None], 0, 255).astype(np.uint8)
    return img, a_half, lmin


def wall_map(rng: np.random.Generator, lay: Layout, style: str) -> Image:
    """A façade in (along, height) metres: floors of windows, balconies, shop signs, doors."""
    w, h = int(60 / WALL_RES), int(lay.wall_h / WALL_RES)
    if style == "random":
        small = random_texture(rng, max(2, h // 4), w // 4)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
        for _ in range(int(rng.integers(5, 40))):
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            cv2.rectangle(
                img,
                (x, y),
                (x + int(rng.integers(10, 80)), y + int(rng.integers(10, 60))),
                world.random_colour(rng, 0, 256),
                -1,
            )
        return img
    wall = world.random_colour(rng, 60, 220)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = wall
    edge = -1 if style != "wire" else 1
    floor = float(rng.uniform(2.8, 3.6))
    spacing = float(rng.uniform(2.0, 4.5))
    win_w, win_h = spacing * float(rng.uniform(0.35, 0.7)), floor * float(rng.uniform(0.35, 0.6))
    glass = world.random_colour(rng, 20, 120)
    balconies = rng.random() < 0.5
    z = floor
    while z + floor < lay.wall_h + 0.1:
        for k in range(int(60 / spacing)):
            x0 = int((k * spacing + (spacing - win_w) / 2) / WALL_RES)
            y1 = h - int((z + 0.9) / WALL_RES)
            y0 = y1 - int(win_h / WALL_RES)
            lit = tuple(min(255, c + 110) for c in glass) if rng.random() < 0.15 else glass
            cv2.rectangle(img, (x0, y0), (x0 + int(win_w / WALL_RES), y1), lit, edge)
            cv2.rectangle(img, (x0, y0), (x0 + int(win_w / WALL_RES), y1), (40, 40, 40), 1)
            if balconies:
                by = h - int((z + 1.0) / WALL_RES)
                bx0, bx1 = x0 - 10, x0 + int(win_w / WALL_RES) + 10
                cv2.line(img, (bx0, by), (bx1, by), (30, 30, 30), 2)
                for bx in range(bx0, bx1, 4):
                    cv2.line(img, (bx, by), (bx, by + int(1.0 / WALL_RES)), (30, 30, 30), 1)
                if rng.random() < 0.3:  # plants and things on the balcony
                    cv2.ellipse(
                        img,
                        (x0 + 20, by - 5),
                        (int(rng.integers(8, 25)), 12),
                        0,
                        180,
                        360,
                        world.random_colour(rng),
                        -1,
                    )
        z += floor
    x = 0
    ground_floor = int(floor / WALL_RES)
    while x < w:  # shops: a sign over a window or a shutter, and a door
        shop_w = int(rng.uniform(3, 9) / WALL_RES)
        sign_c = world.random_colour(rng, 0, 256)
        sy1 = h - ground_floor + int(0.2 / WALL_RES)
        cv2.rectangle(img, (x + 4, sy1 - int(0.7 / WALL_RES)), (x + shop_w - 4, sy1), sign_c, edge)
        if style == "solid" or rng.random() < 0.5:
            text = "".join(
                rng.choice(list("ABCDEFGHKLMNOPRSTUVWXYZ0123456789"), int(rng.integers(3, 9)))
            )
            cv2.putText(
                img,
                text,
                (x + 10, sy1 - 4),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.9,
                world.random_colour(rng, 0, 256),
                2,
                cv2.LINE_AA,
            )
        front = glass if rng.random() < 0.6 else (150, 150, 155)
        cv2.rectangle(img, (x + 10, sy1 + 6), (x + shop_w - 10, h - 1), front, edge)
        if front[0] == 150:
            for yy in range(sy1 + 6, h, 5):
                cv2.line(img, (x + 10, yy), (x + shop_w - 10, yy), (110, 110, 115), 1)
        x += shop_w
    if style == "solid":
        grain = noise_texture(rng, h, w, int(rng.integers(2, 8)), float(rng.uniform(3, 12)))
        img = np.clip(img.astype(np.float32) + grain[..., None], 0, 255).astype(np.uint8)
    return img


def _sample(
    tex: Image,
    mx: NDArray[np.float32],
    my: NDArray[np.float32],
    footprint: NDArray[np.float32],
    res: float,
) -> Image:
    """Texture lookup with one blurred level for far pixels (no moiré near the horizon)."""
    th, tw = tex.shape[:2]
    mx = np.mod(np.nan_to_num(mx, nan=0.0, posinf=0.0, neginf=0.0), tw - 1).astype(np.float32)
    my = np.clip(np.nan_to_num(my, nan=0.0), 0, th - 1).astype(np.float32)
    near = cv2.remap(tex, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    small = cv2.resize(
        tex, (max(2, tex.shape[1] // 4), max(2, tex.shape[0] // 4)), interpolation=cv2.INTER_AREA
    )
    far = cv2.remap(small, mx / 4, my / 4, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    t = np.clip((footprint / res - 1.0) / 3.0, 0, 1)[..., None]
    return (near * (1 - t) + far * t).astype(np.uint8)


def background(
    rng: np.random.Generator, cam: Camera, lay: Layout, style: str
) -> tuple[Image, NDArray[np.float32]]:
    """Ground, façades and sky ray-cast through every pixel; returns the image and depth."""
    d = cam.rays()
    dx, dy, dz = d[..., 0], d[..., 1], d[..., 2]
    h, w = dz.shape
    big = np.float64(1e6)
    t_ground = np.where(dz < -1e-6, cam.h / np.maximum(-dz, 1e-9), big)
    ldir = -dx * math.sin(lay.theta) + dy * math.cos(lay.theta)
    adir = dx * math.cos(lay.theta) + dy * math.sin(lay.theta)
    t_walls = []
    for wall_l in (lay.l0, lay.l3):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = wall_l / ldir
        zt = cam.h + t * dz
        t_walls.append(np.where((t > 0) & (zt >= 0) & (zt <= lay.wall_h), t, big))
    t_min = np.minimum(t_ground, np.minimum(*t_walls))
    sky_top = np.array(
        world.random_colour(rng, 150, 256)
        if style != "random"
        else world.random_colour(rng, 0, 256),
        np.float32,
    )
    sky_low = np.array(world.random_colour(rng, 170, 256), np.float32)
    grad = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (sky_top * (1 - grad) + sky_low * grad).astype(np.float32) * np.ones(
        (1, w, 1), np.float32
    )
    if style == "random":
        img = random_texture(rng, h, w).astype(np.float32)
    footprint = (t_min / cam.f).astype(np.float32)
    gmap, a_half, lmin = ground_map(rng, lay, style)
    on_ground = t_ground <= t_min
    gx = ((t_ground * adir + a_half) / MAP_RES).astype(np.float32)
    gy = ((t_ground * ldir - lmin) / MAP_RES).astype(np.float32)
    gx[~on_ground], gy[~on_ground] = -10, -10
    ground = _sample(gmap, gx, gy, footprint, MAP_RES)
    img[on_ground] = ground[on_ground]
    for k, t_wall in enumerate(t_walls):
        hit = (t_wall <= t_min) & (t_wall < big)
        if not hit.any():
            continue
        wmap = wall_map(rng, lay, style)
        wx = ((t_wall * adir + 30.0 + 7.0 * k) / WALL_RES).astype(np.float32)
        wy = ((lay.wall_h - (cam.h + t_wall * dz)) / WALL_RES).astype(np.float32)
        wx[~hit], wy[~hit] = -10, -10
        img[hit] = _sample(wmap, wx, wy, footprint, WALL_RES)[hit]
    depth = np.minimum(t_min, 500).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), depth


# --- drawing things ------------------------------------------------------------------------


def _shade(colour: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return (
        min(255, int(colour[0] * k)),
        min(255, int(colour[1] * k)),
        min(255, int(colour[2] * k)),
    )


def _mix(
    colour: tuple[int, int, int], other: tuple[int, int, int], t: float
) -> tuple[int, int, int]:
    return (
        int(colour[0] * (1 - t) + other[0] * t),
        int(colour[1] * (1 - t) + other[1] * t),
        int(colour[2] * (1 - t) + other[2] * t),
    )


@dataclass
class Painter:
    cam: Camera
    style: str
    img: Image
    ids: NDArray[np.uint16]
    fog: tuple[int, int, int]
    fog_dist: float
    rng: np.random.Generator

    def draw_all(self, things: list[Thing3D]) -> list[tuple[Thing3D, PixelBox]]:
        """Draw things far to near; the box of each bike and pile that stays mostly visible."""
        solo = np.zeros(self.ids.shape, np.uint8)
        ground = {id(t): np.array([[t.footprint[0], t.footprint[1], 0.5]]) for t in things}
        depth = {k: float(self.cam.project(p)[1][0]) for k, p in ground.items()}
        full: dict[int, int] = {}
        drawn: list[tuple[int, Thing3D]] = []
        for ident, thing in enumerate(sorted(things, key=lambda t: -depth[id(t)]), start=1):
            if thing.label is None:
                self.draw(thing, ident, None)
                continue
            solo[:] = 0
            if self.draw(thing, ident, solo):
                full[ident] = int(np.count_nonzero(solo))
                drawn.append((ident, thing))
        boxes: list[tuple[Thing3D, PixelBox]] = []
        for ident, thing in drawn:
            ys, xs = np.nonzero(self.ids == ident)
            if len(xs) < 12 or len(xs) < 0.3 * full[ident]:
                continue  # mostly hidden or off the frame
            x1, y1, x2, y2 = (
                float(xs.min()),
                float(ys.min()),
                float(xs.max() + 1),
                float(ys.max() + 1),
            )
            if y2 - y1 >= 8 and x2 - x1 >= 6:
                boxes.append((thing, (x1, y1, x2, y2)))
        return boxes

    def draw(self, thing: Thing3D, ident: int, solo: NDArray[np.uint8] | None) -> bool:
        """Draw a thing far parts first; False when it is behind the camera or off-screen."""
        projected = []
        for part in thing.parts:
            px, depth = self.cam.project(part.points)
            if (depth < 0.5).any():
                return False
            projected.append((float(depth.mean()), part, px))
        allpx = np.concatenate([p[2] for p in projected])
        if (
            allpx[:, 0].max() < 0
            or allpx[:, 1].max() < 0
            or allpx[:, 0].min() > self.cam.width
            or allpx[:, 1].min() > self.cam.height
        ):
            return False
        palette = None
        if self.style == "random":
            palette = [world.random_colour(self.rng, 0, 256) for _ in range(3)]
        for mean_depth, part, px in sorted(projected, key=lambda p: -p[0]):
            colour = part.colour
            if palette is not None:
                colour = palette[int(self.rng.integers(len(palette)))]
            if self.fog_dist > 0:
                colour = _mix(colour, self.fog, 1 - math.exp(-mean_depth / self.fog_dist))
            self._part(part, px, mean_depth, colour, ident, solo)
        return True

    def _part(
        self,
        part: Part,
        px: NDArray[np.float64],
        depth: float,
        colour: tuple[int, int, int],
        ident: int,
        solo: NDArray[np.uint8] | None,
    ) -> None:
        pts = np.round(px * ONE).astype(np.int32)
        wire = self.style == "wire"
        targets: list[tuple[np.ndarray, object, bool]] = [
            (self.img, colour, True),
            (self.ids, int(ident), False),
        ]
        if solo is not None:
            targets.append((solo, 255, False))
        if part.kind in (PartKind.TUBE, PartKind.RING):
            thick = max(1, round(part.width * self.cam.f / depth))
            if wire:
                thick = 1 if thick < 4 else 2
            closed = part.kind is PartKind.RING
            for canvas, c, aa in targets:
                cv2.polylines(
                    canvas, [pts], closed, c, thick, cv2.LINE_AA if aa else cv2.LINE_8, SHIFT
                )  # type: ignore[call-overload]
            if self.style == "solid" and thick >= 3:  # a highlight along the tube
                cv2.polylines(
                    self.img,
                    [pts - np.array([0, ONE * thick // 4])],
                    closed,
                    _shade(colour, 1.35),
                    max(1, thick // 3),
                    cv2.LINE_AA,
                    SHIFT,
                )
            return
        hull = cv2.convexHull(pts) if part.kind is PartKind.HULL else pts.reshape(-1, 1, 2)
        for canvas, c, aa in targets:
            if wire and aa:
                cv2.polylines(canvas, [hull], True, c, 1, cv2.LINE_AA, SHIFT)  # type: ignore[call-overload]
            else:
                cv2.fillPoly(canvas, [hull], c, cv2.LINE_AA if aa else cv2.LINE_8, SHIFT)  # type: ignore[call-overload]
        if wire and part.kind is PartKind.HULL and len(part.points) >= 8:
            # a few inner edges, so a box reads as a box
            for i in range(0, min(len(pts), 8), 2):
                cv2.line(
                    self.img,
                    tuple(pts[i]),
                    tuple(pts[(i + 3) % len(pts)]),
                    colour,
                    1,
                    cv2.LINE_AA,
                    SHIFT,
                )
        if self.style == "solid" and part.kind is PartKind.HULL:  # lit top, darker body
            z = part.points[:, 2]
            top = pts[z >= np.median(z)]
            if len(top) >= 3:
                cv2.fillPoly(
                    self.img, [cv2.convexHull(top)], _shade(colour, 1.25), cv2.LINE_AA, SHIFT
                )
            cv2.polylines(self.img, [hull], True, _shade(colour, 0.6), 1, cv2.LINE_AA, SHIFT)


def cast_shadows(img: Image, cam: Camera, things: list[Thing3D], rng: np.random.Generator) -> Image:
    """Shadows of the things on the ground, for a sun at a random bearing and height."""
    mask = np.zeros(img.shape[:2], np.uint8)
    bearing = float(rng.uniform(0, 2 * math.pi))
    reach = float(rng.uniform(0.3, 1.8))  # shadow length per metre of height
    off = np.array([math.cos(bearing) * reach, math.sin(bearing) * reach])
    for thing in things:
        for part in thing.parts:
            ground = part.points.copy()
            ground[:, :2] += ground[:, 2:3] * off
            ground[:, 2] = 0.0
            px, depth = cam.project(ground)
            if (depth < 0.5).any():
                continue
            pts = np.round(px * ONE).astype(np.int32)
            if part.kind in (PartKind.TUBE, PartKind.RING):
                thick = max(1, round(part.width * cam.f / float(depth.mean())))
                cv2.polylines(
                    mask, [pts], part.kind is PartKind.RING, 255, thick, cv2.LINE_8, SHIFT
                )
            else:
                cv2.fillPoly(mask, [cv2.convexHull(pts)], 255, cv2.LINE_8, SHIFT)
    strength = float(rng.uniform(0.25, 0.6))
    soft = cv2.GaussianBlur(mask, (0, 0), 1.0).astype(np.float32) / 255.0
    return (img.astype(np.float32) * (1 - strength * soft)[..., None]).astype(np.uint8)


def flying_shapes(img: Image, rng: np.random.Generator, count: int) -> None:
    """Random rings, discs, bars, polygons and text: nothing a label should ever be drawn on."""
    h, w = img.shape[:2]
    for _ in range(count):
        c = world.random_colour(rng, 0, 256)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        s = int(rng.integers(4, max(6, h // 4)))
        kind = int(rng.integers(0, 5))
        if kind == 0:
            cv2.circle(img, (x, y), s, c, int(rng.integers(1, 6)), cv2.LINE_AA)
        elif kind == 1:
            cv2.ellipse(
                img,
                (x, y),
                (s, int(s * rng.uniform(0.2, 1))),
                float(rng.uniform(0, 180)),
                0,
                360,
                c,
                -1,
                cv2.LINE_AA,
            )
        elif kind == 2:
            cv2.line(
                img,
                (x, y),
                (x + int(rng.normal(0, s * 2)), y + int(rng.normal(0, s * 2))),
                c,
                int(rng.integers(1, 8)),
                cv2.LINE_AA,
            )
        elif kind == 3:
            poly = np.array(
                [
                    (x + rng.normal(0, s), y + rng.normal(0, s))
                    for _ in range(int(rng.integers(3, 7)))
                ],
                np.int32,
            )
            cv2.fillPoly(img, [poly], c, cv2.LINE_AA)
        else:
            text = "".join(
                rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), int(rng.integers(2, 8)))
            )
            cv2.putText(
                img,
                text,
                (x, y),
                cv2.FONT_HERSHEY_SIMPLEX,
                float(rng.uniform(0.4, 2)),
                c,
                int(rng.integers(1, 4)),
                cv2.LINE_AA,
            )


# --- composing a scene -----------------------------------------------------------------------


def _spot(
    rng: np.random.Generator,
    cam: Camera,
    lay: Layout,
    *,
    band: tuple[float, float],
    max_dist: float,
    min_dist: float = 2.5,
) -> tuple[float, float] | None:
    """A ground point seen in the frame, within a lateral band and a distance range."""
    for _ in range(40):
        u = rng.uniform(0.03, 0.97) * cam.width
        v = rng.uniform(0.2, 0.98) * cam.height
        hit = cam.ground_at(u, v)
        if hit is None:
            continue
        x, y, dist = hit
        if not min_dist <= dist <= max_dist:
            continue
        lat = lay.lateral(x, y)
        if band[0] <= lat <= band[1]:
            return x, y
    return None


def _free(footprints: list[tuple[float, float, float]], x: float, y: float, r: float) -> bool:
    return all(math.hypot(x - fx, y - fy) > 0.8 * (r + fr) for fx, fy, fr in footprints)


def compose(rng: np.random.Generator, cam: Camera, lay: Layout) -> list[Thing3D]:
    """Bikes (single, in rows, fallen, in racks), waste piles, collection points and
    look-alikes, placed on the visible street without crossing each other."""
    # the farthest a bike may stand and still be at least ~26 px high in the frame
    bike_far = cam.f * 1.0 / 26
    pavement = (lay.l0 + 0.4, lay.l1 - 0.3)
    far_pavement = (lay.l2 + 0.3, lay.l3 - 0.4)
    road = (lay.l1 + 1.0, lay.l2 - 1.0)
    things: list[Thing3D] = []
    footprints: list[tuple[float, float, float]] = []

    def add(group: list[Thing3D]) -> None:
        for t in group:
            footprints.append(t.footprint)
        things.extend(group)

    def where(band: tuple[float, float], far: float, r: float) -> tuple[float, float] | None:
        for _ in range(6):
            spot = _spot(rng, cam, lay, band=band, max_dist=far)
            if spot is not None and _free(footprints, spot[0], spot[1], r):
                return spot
        return None

    targets = rng.random() > 0.12
    along = lay.theta
    if targets:
        for _ in range(int(rng.choice([0, 1, 1, 2]))):  # rows of parked bikes
            spot = where(pavement if rng.random() < 0.75 else far_pavement, bike_far, 1.5)
            if spot:
                direction = along + float(rng.choice([0, math.pi]))
                add(world.bike_row(rng, spot[0], spot[1], direction, int(rng.integers(2, 8))))
        for _ in range(int(rng.integers(1, 7))):
            band = (
                pavement if rng.random() < 0.7 else (far_pavement if rng.random() < 0.6 else road)
            )
            spot = where(band, bike_far, 0.6)
            if spot:
                add(
                    [
                        world.bike(
                            rng,
                            spot[0],
                            spot[1],
                            float(rng.uniform(0, 2 * math.pi)),
                            fallen=rng.random() < 0.15,
                        )
                    ]
                )
        for _ in range(int(rng.choice([0, 0, 1, 1, 2, 3]))):
            spot = where(pavement if rng.random() < 0.7 else far_pavement, bike_far * 1.3, 1.6)
            if spot:
                add([world.waste_pile(rng, spot[0], spot[1])])
    if rng.random() < 0.35:
        spot = where(pavement, bike_far * 1.2, 1.8)
        if spot:
            add(world.collection_point(rng, spot[0], spot[1], along + float(rng.normal(0, 0.2))))
    for _ in range(int(rng.integers(2, 12))):
        kind = str(rng.choice(world.NEGATIVES, p=np.array([3, 3, 2, 1, 1.5, 2, 3]) / 15.5))
        band = road if kind == "car" else (pavement if rng.random() < 0.7 else far_pavement)
        yaw = (
            along + float(rng.choice([0, math.pi]))
            if kind in ("car", "railing", "rack")
            else float(rng.uniform(0, 2 * math.pi))
        )
        if kind == "railing" and rng.random() < 0.5:
            band = (lay.l1 - 0.4, lay.l1 - 0.2)
        spot = where(band, bike_far * 1.5, 1.2 if kind != "car" else 2.2)
        if spot:
            add([world.negative(rng, kind, spot[0], spot[1], yaw)])
    if rng.random() < 0.2:  # e-mopeds parked in a row: the look-alike bikes are most confused with
        spot = where(pavement, bike_far, 1.5)
        if spot:
            for i in range(int(rng.integers(2, 6))):
                x = spot[0] + math.cos(along) * 0.7 * i
                y = spot[1] + math.sin(along) * 0.7 * i
                add([world.e_moped(rng, x, y, along + math.pi / 2 + float(rng.normal(0, 0.1)))])
    return things


def render_scene(
    seed: int, style: str, stream: int, width: int = 640, height: int = 360
) -> tuple[Image, list[tuple[int, PixelBox]]]:
    """A frame (BGR) and its labels (class, x1 y1 x2 y2 in pixels)."""
    rng = np.random.default_rng([stream, STYLES_3D.index(style), seed])
    if rng.random() < 0.25:
        width, height = 512, 384
    cam = world.random_camera(rng, width, height)
    lay = random_layout(rng)
    img, _depth = background(rng, cam, lay, style)
    things = compose(rng, cam, lay)
    if style == "random":
        flying_shapes(img, rng, int(rng.integers(3, 25)))
    if style == "solid":
        img = cast_shadows(img, cam, things, rng)
    fog = world.random_colour(rng, 120, 220)
    fog_dist = float(rng.uniform(25, 120)) if rng.random() < 0.3 else 0.0
    painter = Painter(cam, style, img, np.zeros(img.shape[:2], np.uint16), fog, fog_dist, rng)
    labels = [(t.label, b) for t, b in painter.draw_all(things) if t.label is not None]
    img = light_and_weather(img, rng)
    img = camera_artefacts(img, rng)
    return img, labels
