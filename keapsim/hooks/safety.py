"""Where keapsim may post hooks: loopback and private addresses, plus the hosts ``--hook-hosts``
allows. A simulator running on a developer's machine must not become a way to make requests
to the internet (or to a cloud metadata address) on someone's behalf.

The host is checked when a subscription is made or changed (a refused URL is a 400) and again
before every post, since a name may resolve elsewhere later. Link-local addresses
(169.254.0.0/16, fe80::/10, where cloud metadata services live) and the unspecified address
are refused although Python counts them as private.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedHookUrl(ValueError):
    """A hook URL keapsim will not post to; the message says why and what to do."""


def is_private_address(ip: IPAddress) -> bool:
    """Loopback, or a private range that is not link-local (IPv4-mapped addresses count as
    the IPv4 address they carry)."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if ip.is_loopback:
        return True
    return ip.is_private and not ip.is_link_local and not ip.is_unspecified


class HostPolicy:
    """``allowed``: host names or globs (``hooks.example.test``, ``*.corp.test``) that may be
    posted to whatever they resolve to; ``*`` allows every host."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed = tuple(h.strip().lower() for h in allowed if h.strip())

    def check(self, url: str) -> None:
        """Raise :class:`RefusedHookUrl` unless keapsim may post to ``url``."""
        host, port = _host_and_port(url)
        if any(fnmatch.fnmatchcase(host, pattern) for pattern in self.allowed):
            return
        try:
            addresses = _addresses(host, port)
        except (OSError, UnicodeError) as err:
            raise _refused(url, host, f"{host} cannot be resolved ({err})") from None
        for address in addresses:
            if not is_private_address(address):
                raise _refused(url, host, _describe(host, address))


def _host_and_port(url: str) -> tuple[str, int]:
    if not isinstance(url, str) or not url.strip():
        raise RefusedHookUrl("hookUrl is required")
    if len(url) > MAX_URL_LENGTH:
        raise RefusedHookUrl(f"hookUrl is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise RefusedHookUrl(f"hookUrl {url!r} is not a valid URL ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedHookUrl(f"hookUrl {url!r} is not an absolute http or https URL")
    return parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]


def _describe(host: str, address: IPAddress) -> str:
    kind = (
        "a link-local"
        if address.is_link_local
        else "the unspecified"
        if address.is_unspecified
        else "a public"
    )
    if host == str(address):
        return f"{host} is {kind} address"
    return f"{host} resolves to {address}, {kind} address"


def _refused(url: str, host: str, reason: str) -> RefusedHookUrl:
    return RefusedHookUrl(
        f"hookUrl {url!r} is refused: keapsim posts hooks only to loopback and private addresses, "
        f"and {reason}; start keapsim with --hook-hosts {host} to allow this host"
    )
