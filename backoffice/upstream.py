"""The one HTTP client every upstream adapter uses (Suishen code verification, the medical
insurance records, card verification, the no-certificate query sources), and how an adapter
is chosen by a setting.

- `UpstreamClient`: timeouts, retries with back-off for idempotent calls only (a call that
  never reached the upstream, a refused connection, is retried whatever its method), a circuit
  breaker per upstream, and `UpstreamUnavailable` when the upstream is down, slow, answers 5xx
  or something its contract does not allow.
- `UpstreamUnavailable`: a 503 whose `detail` (English) and `detail_zh` say in plain words which
  service is not answering and that nothing was done; the kiosk shows it.
- `Contract`: the static schema an upstream speaks (`contracts/<name>.openapi.json` at the
  repository root), shared by the adapter, its peer in `simulators/` and both their tests.
- `load_adapter` / `require_adapters`: an adapter is named by a setting as
  'package.module:factory' (a callable taking the settings); outside demo mode a missing one
  stops the back office at start with the setting to set.
"""

from __future__ import annotations

import importlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs

from backoffice.errors import Unavailable
from backoffice.outbound import tls_context
from backoffice.settings import DEMO_ADAPTER, Settings, StartupRefused

log = logging.getLogger(__name__)

CONTRACTS_DIR = Path(__file__).resolve().parents[1] / "contracts"


# --- the error the kiosk shows ----------------------------------------------------------------


class UpstreamUnavailable(Unavailable):
    """An upstream did not answer usably (down, too slow, 5xx, an answer outside its
    contract, or its circuit is open): nothing was done. 503, with the message in English
    (`detail`) and Chinese (`detail_zh`) and which upstream (`upstream`)."""

    def __init__(self, upstream: Upstream, reason: str) -> None:
        super().__init__(
            f"The {upstream.label_en} is not answering right now, so nothing was done. "
            "Please try again in a few minutes, or ask at the counter.",
            detail_zh=f"{upstream.label_zh}暂时无法连接，本次未办理任何事项。请几分钟后再试，或到窗口咨询。",
            upstream=upstream.name,
        )
        self.upstream = upstream.name
        self.reason = reason  # for the log, never shown


@dataclass(frozen=True)
class Upstream:
    """Who an adapter talks to: its name (the contract's file and the settings' prefix) and
    what people call it."""

    name: str
    label_en: str
    label_zh: str


# --- the circuit breaker ------------------------------------------------------------------------


class CircuitBreaker:
    """Closed while the upstream answers; open (calls fail at once, without waiting for a
    timeout) after `failures` failed calls in a row; after `reset_after_s` one trial call goes
    through (half-open): its success closes the circuit, its failure opens it again."""

    def __init__(
        self,
        failures: int,
        reset_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failed = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._clock() - self._opened_at >= self.reset_after_s:
                return "half-open"
            return "open"

    def allow(self) -> bool:
        """Whether a call may go out now."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self.reset_after_s or self._trial:
                return False
            self._trial = True  # one trial call at a time
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._failed = 0
            self._opened_at = None
            self._trial = False

    def failed(self) -> None:
        with self._lock:
            self._failed += 1
            if self._trial or self._failed >= self.failures:
                self._opened_at = self._clock()
            self._trial = False


# --- contracts ----------------------------------------------------------------------------------


class ContractViolation(ValueError):
    """A document does not fit its schema; the message says where."""


class Contract:
    """An upstream's static contract (OpenAPI 3.1, whose schemas are JSON Schema 2020-12):
    `validate("VerifyAnswer", data)` checks a document against one named schema."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, name: str, folder: Path = CONTRACTS_DIR) -> Contract:
        return _contract(name, folder)

    def _validator(self, schema: str) -> Any:
        with self._lock:
            if schema not in self._validators:
                if schema not in self.document.get("components", {}).get("schemas", {}):
                    raise KeyError(f"the contract has no schema {schema!r}")
                root = {
                    "$ref": f"#/components/schemas/{schema}",
                    "components": self.document["components"],
                }
                self._validators[schema] = jsonschema_rs.Draft202012Validator(root)
            return self._validators[schema]

    def errors(self, schema: str, data: Any) -> list[str]:
        """What is wrong with `data` as a `schema`, each with where it is; [] when it fits."""
        return [
            f"{'/'.join(str(p) for p in e.instance_path) or '(root)'}: {e.message}"
            for e in self._validator(schema).iter_errors(data)
        ]

    def validate(self, schema: str, data: Any) -> Any:
        """`data` when it fits `schema`; ContractViolation otherwise."""
        problems = self.errors(schema, data)
        if problems:
            raise ContractViolation(f"not a {schema}: " + "; ".join(problems[:5]))
        return data


@cache
def _contract(name: str, folder: Path) -> Contract:
    return Contract(json.loads((folder / f"{name}.openapi.json").read_text(encoding="utf-8")))


# --- the client ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """How long and how often an upstream is tried (the `upstream_*` settings)."""

    timeout_s: float = 5.0
    connect_timeout_s: float = 2.0
    retries: int = 2  # more attempts of an idempotent call
    backoff_s: float = 0.2  # before retry n: backoff_s * 2**(n-1), with jitter, capped at 2 s
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            timeout_s=settings.upstream_timeout_s,
            connect_timeout_s=min(settings.upstream_timeout_s, 2.0),
            retries=settings.upstream_retries,
            backoff_s=settings.upstream_backoff_s,
            breaker_failures=settings.upstream_breaker_failures,
            breaker_reset_s=settings.upstream_breaker_reset_s,
        )


class UpstreamClient:
    """JSON over HTTP to one upstream. Every failure to get a usable answer is an
    `UpstreamUnavailable`; answers with 2xx-4xx statuses go back to the adapter, which knows
    what its upstream's refusals mean."""

    def __init__(
        self,
        upstream: Upstream,
        base_url: str,
        limits: Limits | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        contract: Contract | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.upstream = upstream
        self.limits = limits or Limits()
        self.contract = contract if contract is not None else Contract.load(upstream.name)
        self.breaker = CircuitBreaker(self.limits.breaker_failures, self.limits.breaker_reset_s)
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(self.limits.timeout_s, connect=self.limits.connect_timeout_s),
            headers={"Accept": "application/json", **(headers or {})},
            transport=transport,
            verify=tls_context(),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def unavailable(self, reason: str) -> UpstreamUnavailable:
        log.warning("upstream %s unavailable: %s", self.upstream.name, reason)
        return UpstreamUnavailable(self.upstream, reason)

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json_body: Any = None,
        params: Mapping[str, str | int] | None = None,
    ) -> httpx.Response:
        """The upstream's answer (status below 500, other than 429), as it is: an adapter that
        reads it without a contract schema. Retries as `_send` says; UpstreamUnavailable when
        none worked or the circuit is open."""
        response = self._send(method, path, idempotent, json_body, params)
        self.breaker.succeeded()
        return response

    def _send(
        self,
        method: str,
        path: str,
        idempotent: bool,
        json_body: Any,
        params: Mapping[str, str | int] | None,
    ) -> httpx.Response:
        """Retries an idempotent call on a timeout, a dropped connection, a 429 or a 5xx, and
        any call on a refused connection; a failure that remains counts against the circuit
        (the caller settles a success: an answer may still break the contract)."""
        if not self.breaker.allow():
            raise self.unavailable("circuit open after repeated failures")
        attempts = 1 + max(0, self.limits.retries)
        reason = ""
        for attempt in range(attempts):
            if attempt:
                delay = min(2.0, self.limits.backoff_s * 2 ** (attempt - 1))
                self._sleep(delay * random.uniform(0.5, 1.0))
            try:
                response = self._http.request(method, path, json=json_body, params=params)
            except httpx.ConnectError as exc:  # never reached the upstream: safe to try again
                reason = f"cannot connect: {type(exc).__name__}"
                continue
            except httpx.TimeoutException as exc:
                reason = f"no answer in time: {type(exc).__name__}"
            except httpx.TransportError as exc:
                reason = f"connection failed: {type(exc).__name__}"
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                reason = f"answered HTTP {response.status_code}"
            if not idempotent:
                break
        self.breaker.failed()
        raise self.unavailable(f"{method} {path}: {reason}")

    def call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        answers: Mapping[int, str],
        json_body: Any = None,
        params: Mapping[str, str | int] | None = None,
    ) -> tuple[int, Any]:
        """(status, body) of an answer whose status is in `answers` (status -> the contract's
        schema of its body) and whose body fits that schema; any other answer is the
        upstream's fault: UpstreamUnavailable."""
        response = self._send(method, path, idempotent, json_body, params)
        schema = answers.get(response.status_code)
        if schema is None:
            self.breaker.failed()
            raise self.unavailable(f"{method} {path}: unexpected HTTP {response.status_code}")
        try:
            body = response.json()
            self.contract.validate(schema, body)
        except (ValueError, ContractViolation) as exc:
            self.breaker.failed()
            raise self.unavailable(f"{method} {path}: malformed answer ({exc})"[:300]) from exc
        self.breaker.succeeded()
        return response.status_code, body


# --- adapters chosen by a setting ---------------------------------------------------------------


def env_name(setting: str) -> str:
    return f"ZHILI_{setting.upper()}"


def load_adapter(settings: Settings, setting: str, *, demo: str) -> Any:
    """The adapter the setting `setting` names ('package.module:factory'), made by calling the
    factory with the settings. Empty or 'demo' means `demo` (the HTTP adapter, which then talks
    to the demo peer), in demo mode only. StartupRefused, naming the setting, when it is missing
    outside demo mode or names nothing importable."""
    value = str(getattr(settings, setting) or "").strip()
    if not value or value == DEMO_ADAPTER:
        if not settings.demo:
            raise StartupRefused(
                f"{env_name(setting)} is not set ({value or 'empty'}: the demo peer, for demo "
                "mode only): name the upstream adapter as 'package.module:factory' (the "
                "README's production section lists them), or set ZHILI_DEMO=1 for a demo."
            )
        value = demo
    module_name, _, factory_name = value.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise StartupRefused(
            f"{env_name(setting)}={value!r} names no adapter: give 'package.module:factory'."
        ) from exc
    return factory(settings)


def base_url(settings: Settings, setting: str, *, demo: str) -> str:
    """The base URL setting `setting` of an HTTP adapter; empty means `demo` (the demo peer's
    address) in demo mode only. StartupRefused naming the setting when it is missing."""
    url = str(getattr(settings, setting) or "").strip()
    if not url and settings.demo:
        return demo
    if not url.startswith(("http://", "https://")):
        raise StartupRefused(
            f"{env_name(setting)} is not set (or not an http(s) URL): give the upstream's base "
            "URL, e.g. https://gateway.example/suishen, or set ZHILI_DEMO=1 for a demo."
        )
    return url


def client_for(
    settings: Settings, upstream: Upstream, url_setting: str, *, demo_url: str
) -> UpstreamClient:
    """The HTTP client of an upstream as the settings configure it: its base URL setting, the
    shared limits and the bearer token."""
    token = settings.upstream_token
    return UpstreamClient(
        upstream,
        base_url(settings, url_setting, demo=demo_url),
        Limits.of(settings),
        headers={"Authorization": f"Bearer {token}"} if token else None,
    )
