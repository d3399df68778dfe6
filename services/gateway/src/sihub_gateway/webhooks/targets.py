"""Server-side request forgery guard for webhook targets.

A target must be https and resolve only to public addresses (no loopback, private, link-local —
which holds the cloud metadata address 169.254.169.254 —, shared, reserved or multicast ones). It
is checked when a subscription is written and again before each batch of a lane's deliveries,
whose requests then go to the very address that was checked (TLS still verifies the host name), so a DNS answer
that changes in between cannot redirect it. `allow_local` (the embedded devstack) skips both rules.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class TargetRefused(ValueError):
    """Said to the subscription's owner: our words, never a library's."""


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    address: str  # the checked address the connection goes to
    port: int  # the URL's, or its scheme's


# IPv6 forms that carry an IPv4 address a network may route to (NAT64, 6to4, IPv4-compatible): the
# address they embed must be public too.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):  # not :: or ::1
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    reached: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        # A mapped address is the IPv4 address itself; the other forms must be public both ways.
        reached = [embedded] if ip.ipv4_mapped is not None else [ip, embedded]
    return all(a.is_global and not a.is_multicast for a in reached)


def check_form(url: str, *, allow_local: bool) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # an unclosed [IPv6 literal, …
        raise TargetRefused("is not a URL") from exc
    if parts.scheme not in ("https", "http") or not host:
        raise TargetRefused("must be an absolute https:// URL")
    if parts.scheme != "https" and not allow_local:
        raise TargetRefused("must use https")
    if parts.username or parts.password:
        raise TargetRefused("must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("has an invalid port") from exc
    return host, port


async def resolve(url: str, *, allow_local: bool) -> Target:
    host, port = check_form(url, allow_local=allow_local)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:  # no such name, an unencodable or NUL-bearing one
        raise TargetRefused(f"host {host!r} does not resolve") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefused(f"host {host!r} does not resolve")
    if not allow_local:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            # One private answer is enough to refuse: which one a connection would take is not ours to pick.
            raise TargetRefused(f"host {host!r} resolves to a non-public address ({refused[0]})")
    return Target(url=url, host=host, address=addresses[0], port=port)
