"""A fixed generated camera view for the demo feed, the tests and the benchmark: a street with a
no-parking zone and a collection point, bikes and waste placed at will, and two lights."""

from __future__ import annotations

import numpy as np

from backoffice.vision.sources import encode_jpeg
from backoffice.vision.training.synth import (
    Light,
    Scene,
    Thing,
    make_waste,
    place,
    random_background,
    render,
)

# Shares of the 320x240 frame. The no-parking zone is the left part of the pavement, the
# collection point the right part.
NO_PARKING_ZONE = [[0.05, 0.62], [0.55, 0.62], [0.55, 0.98], [0.05, 0.98]]
COLLECTION_ZONE = [[0.66, 0.75], [0.94, 0.75], [0.94, 0.98], [0.66, 0.98]]

DAY = Light(gain=1.0, warmth=0.0, gamma=1.0, noise=2.0)
DUSK = Light(gain=0.7, warmth=0.2, gamma=1.15, noise=3.5)  # other light, no cast shadow


class Street:
    """One camera's view; `frame(...)` renders it with the chosen things and light."""

    def __init__(self, seed: int = 3) -> None:
        rng = np.random.default_rng(seed)
        self.background = random_background(rng)
        self.background["horizon"] = 70
        self.background["curb"] = 120
        self.background["walk_on_top"] = False  # pavement at the bottom, nearest the camera
        self.bike_a = place(rng, self.background, "bike", x=60.0, y=215.0)
        self.bike_b = place(rng, self.background, "bike", x=125.0, y=212.0)
        place(rng, self.background, "waste", x=250.0, y=230.0)  # keeps the random stream
        # Two piles the shipped model sees well, for the collection point's fill level.
        self.waste_big = make_waste(np.random.default_rng(8), 255.0, 228.0, 1.1)
        self.waste_small = make_waste(np.random.default_rng(5), 255.0, 228.0, 0.6)
        self.pedestrian = place(rng, self.background, "pedestrian", x=300.0, y=120.0)
        self._noise = 0

    def scene(self, things: list[Thing], light: Light = DAY) -> Scene:
        self._noise += 1  # every frame has its own sensor noise, like a real camera
        return Scene(self.background, (self.pedestrian, *things), light, noise_seed=self._noise)

    def frame(self, things: list[Thing], light: Light = DAY) -> np.ndarray:
        return render(self.scene(things, light))

    def jpeg(self, things: list[Thing], light: Light = DAY) -> bytes:
        return encode_jpeg(self.frame(things, light))
