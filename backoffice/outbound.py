"""Requests the back office makes to addresses others gave it (webhooks, camera snapshots, RTSP
streams), guarded against server-side request forgery.

A URL is checked when it is saved (`check_url`: scheme, a well-formed host name or address,
port) and again on every use (`guarded_request`): the host is resolved, every address it
resolves to must be public (loopback, link-local, private, shared, multicast and reserved ranges
are refused unless the allow-list names them), and the connection is made to the address that
was checked, so a name that resolves differently a moment later (DNS rebinding) cannot slip
past. Redirects are followed only on request, each target checked the same way.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443, "rtsp": 554, "rtsps": 322}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Names that always mean this machine (RFC 6761), whatever a resolver says.
_LOCAL_NAMES = ("localhost", "localhost.localdomain")


@cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of every HTTP client the back office makes (upstream adapters,
    webhook deliveries, camera snapshots): loading the CA certificates takes about 0.1 s of CPU,
    which a client made per camera visit or per adapter would otherwise pay each time."""
    return httpx.create_ssl_context()


class BadUrl(ValueError):
    """A URL that may not be saved or used; the message says why, for a person."""


class OutboundRefused(httpx.RequestError):
    """A request not made: its address is not one the back office may reach."""


@dataclass(frozen=True)
class OutboundPolicy:
    """Which non-public addresses may still be reached (the allow-list); public ones always."""

    allow: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> OutboundPolicy:
        networks = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise BadUrl(
                    f"'{entry}' in the outbound allow-list is not an IP network."
                ) from None
        return cls(tuple(networks))

    def allows(self, address: IPAddress) -> bool:
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            address = mapped
        if any(address in network for network in self.allow):
            return True
        return address.is_global and not address.is_multicast


NO_PRIVATE_ADDRESSES = OutboundPolicy()


def _host_of(parts: SplitResult) -> str:
    host = parts.hostname
    if not host:
        raise BadUrl("The URL names no host; give the full address, e.g. https://host/path.")
    return host


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _check_name(host: str) -> None:
    name = host[:-1] if host.endswith(".") else host
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise BadUrl(f"'{host}' is not a valid host name.") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise BadUrl(
            f"'{host}' is not a valid host name (labels of letters, digits and hyphens, "
            "separated by single dots)."
        )
    if labels[-1].isdigit():
        raise BadUrl(f"'{host}' is neither a host name nor an IP address.")


def check_url(url: str, schemes: Iterable[str], policy: OutboundPolicy) -> SplitResult:
    """The parts of `url` if it may be saved: one of `schemes`, a well-formed host (name or
    address), a valid port, no credentials in clear over http; an address literal (or
    localhost) outside the allow-list is refused here already. Names are resolved on use."""
    wanted = tuple(schemes)
    if url != url.strip() or any(ord(c) < 0x21 or c == "\x7f" for c in url):
        raise BadUrl("The URL holds spaces or control characters.")
    parts = urlsplit(url)
    if parts.scheme not in wanted:
        raise BadUrl(
            f"'{url}' is not an {wanted[0]}(s) URL; give the full address, e.g. "
            f"{wanted[-1]}://host/path."
        )
    host = _host_of(parts)
    try:
        _ = parts.port
    except ValueError:
        raise BadUrl(f"'{url}' has an invalid port.") from None
    address = _literal_address(host)
    if address is None:
        _check_name(host)
        if host.rstrip(".").lower() in _LOCAL_NAMES or host.rstrip(".").endswith(".localhost"):
            address = ipaddress.ip_address("127.0.0.1")
    if address is not None and not policy.allows(address):
        raise BadUrl(
            f"'{host}' is a loopback, private, link-local or otherwise non-public address; "
            "the back office does not send there (an operator may allow it with "
            "ZHILI_OUTBOUND_ALLOW)."
        )
    return parts


def resolve(host: str, port: int, policy: OutboundPolicy) -> IPAddress:
    """The address to connect to: every address `host` resolves to must be allowed (a name
    with one private address among public ones is refused), and the first is used."""
    literal = _literal_address(host)
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise OutboundRefused(f"{host} could not be resolved ({exc})") from None
        found = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not found:
        raise OutboundRefused(f"{host} resolves to no address")
    refused = [a for a in found if not policy.allows(a)]
    if refused:
        raise OutboundRefused(
            f"{host} resolves to {refused[0]}, a non-public address the back office does not "
            "send to"
        )
    return found[0]


def pinned_url(url: str, policy: OutboundPolicy, schemes: Iterable[str]) -> tuple[str, str, str]:
    """(the URL with its host replaced by the checked address, the Host header, the host name
    for TLS): what a client connects to so that it reaches the address that was checked."""
    try:
        parts = check_url(url, schemes, policy)
    except BadUrl as exc:
        raise OutboundRefused(str(exc)) from None
    host = _host_of(parts)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    address = resolve(host, port, policy)
    shown = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{shown}:{parts.port}" if parts.port else shown
    if parts.username is not None:
        credentials = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{credentials}@{netloc}"
    host_header = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc)), host_header, host


HTTP_SCHEMES = ("http", "https")


def guarded_request(
    client: httpx.Client,
    method: str,
    url: str,
    policy: OutboundPolicy,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    max_redirects: int = 0,
    max_bytes: int = 64 * 1024,
) -> httpx.Response:
    """`method url` through `client`, to the checked address; redirects (at most
    `max_redirects`) checked the same way. The body read is capped at `max_bytes`: a longer
    one raises OutboundRefused. Raises OutboundRefused (an httpx.RequestError) when refused."""
    for _ in range(max_redirects + 1):
        target, host_header, server_name = pinned_url(url, policy, HTTP_SCHEMES)
        extensions: dict[str, Any] = {}
        if url.startswith("https:"):
            extensions["sni_hostname"] = server_name
        request = client.build_request(
            method,
            target,
            content=content,
            headers={**(headers or {}), "Host": host_header},
            extensions=extensions,
        )
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            body = _read_capped(response, max_bytes)
        finally:
            response.close()
        kept = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        }
        answer = httpx.Response(response.status_code, headers=kept, content=body, request=request)
        location = response.headers.get("location")
        if not (response.is_redirect and location and max_redirects):
            return answer
        url = urljoin(url, location)
        if response.status_code in (301, 302, 303) and method != "HEAD":
            method, content = "GET", None
    raise OutboundRefused(f"more than {max_redirects} redirects")


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # decoded: a compressed bomb stops at the cap too
        size += len(chunk)
        if size > max_bytes:
            raise OutboundRefused(f"the answer is longer than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
