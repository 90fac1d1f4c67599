"""Voice prompts for elder mode: espeak-ng renders speech to WAV, Kivy's SDL audio plays it."""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.config import Language

logger = logging.getLogger(__name__)

ESPEAK_VOICES: dict[str, str] = {"zh": "cmn", "en": "en"}
# Slower than espeak's default 175 words a minute: elder mode is for people who need time.
SPEECH_RATE_WPM = 140
RENDER_TIMEOUT_S = 20.0


class SpeechUnavailable(RuntimeError):
    """espeak-ng is not installed or failed; the message says which."""


def render_wav(text: str, language: Language, cache_dir: Path) -> Path:
    """The WAV file of ``text`` spoken in ``language``, rendered once and then kept."""
    voice = ESPEAK_VOICES[language]
    digest = hashlib.sha256(f"{voice}|{SPEECH_RATE_WPM}|{text}".encode()).hexdigest()[:24]
    target = cache_dir / f"{digest}.wav"
    if target.exists():
        return target
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    # One partial file per process: two processes sharing the cache (parallel test workers)
    # may render the same text at the same moment.
    partial = target.with_suffix(f".{os.getpid()}.part")
    result = subprocess.run(
        [binary, "-v", voice, "-s", str(SPEECH_RATE_WPM), "-w", str(partial), "--", text],
        capture_output=True,
        timeout=RENDER_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0 or not partial.exists():
        raise SpeechUnavailable(f"espeak-ng exited with {result.returncode}")
    partial.replace(target)
    return target


class Voice:
    """Speaks one prompt at a time: a new prompt interrupts the one playing (ADA 707: speech is
    interruptible). Rendering runs on a worker thread; playing is scheduled on the UI thread."""

    def __init__(
        self, cache_dir: Path, schedule_on_ui: Callable[[Callable[[], None]], None]
    ) -> None:
        self.cache_dir = cache_dir
        self.volume = 0.8
        self.last_text = ""
        self.spoken = 0
        self.requested = 0
        self._schedule_on_ui = schedule_on_ui
        self._requests: queue.Queue[tuple[int, str, Language] | None] = queue.Queue()
        self._generation = 0
        self._sound: Any = None
        self._idle = threading.Event()
        self._idle.set()
        self._worker = threading.Thread(target=self._render_loop, name="voice", daemon=True)
        self._worker.start()

    def say(self, text: str, language: Language) -> None:
        if not text.strip():
            return
        self._generation += 1
        self.requested += 1
        self._idle.clear()
        self._requests.put((self._generation, text, language))

    def stop(self) -> None:
        """Silence now (a visit ended, or the person left elder mode)."""
        self._generation += 1
        if self._sound is not None:
            self._sound.stop()

    def set_volume(self, volume: float) -> None:
        self.volume = min(1.0, max(0.0, volume))
        if self._sound is not None:
            self._sound.volume = self.volume

    def wait_rendered(self, timeout_s: float = RENDER_TIMEOUT_S) -> bool:
        """True once every requested prompt is rendered and handed to the UI thread."""
        return self._idle.wait(timeout_s)

    def close(self) -> None:
        self._requests.put(None)

    def _render_loop(self) -> None:
        while True:
            request = self._requests.get()
            if request is None:
                return
            generation, text, language = request
            try:
                if generation == self._generation:
                    path = render_wav(text, language, self.cache_dir)
                    self._schedule_on_ui(partial(self._play, generation, path, text))
            except (SpeechUnavailable, OSError, subprocess.SubprocessError) as exc:
                logger.error("voice: cannot speak a prompt: %s", exc)
            finally:
                if self._requests.empty():
                    self._idle.set()

    def _play(self, generation: int, path: Path, text: str) -> None:
        if generation != self._generation:
            return  # a newer prompt or a stop came first
        from kivy.core.audio import SoundLoader

        if self._sound is not None:
            self._sound.stop()
        sound = SoundLoader.load(str(path))
        if sound is None:
            logger.error("voice: no audio provider could load %s", path.name)
            return
        sound.volume = self.volume
        sound.play()
        self._sound = sound
        self.last_text = text
        self.spoken += 1
