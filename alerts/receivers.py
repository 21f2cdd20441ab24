"""Receivers' addresses (Apprise URLs): known or not, redacted for the archive, and where they point.

A notification must not reach into the machine's own network by surprise: an address that
is or resolves to a loopback, private, link-local or otherwise non-public address (the cloud
metadata service at 169.254.169.254, a router, a service on 127.0.0.1) is refused unless the
watch allows private targets. `watch add` checks the URL's host here; the delivery worker
(alerts.courier) checks every address it connects to, since what a name resolves to can change.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import apprise

ALLOW_OPTION = "--allow-private-target"


def _service(url: str):
    services = apprise.Apprise()
    return services[0] if services.add(url) else None


def valid_url(url: str) -> bool:
    """Whether Apprise knows how to send to this URL."""
    return _service(url) is not None


def private_url(url: str) -> str:
    """The URL with passwords and tokens hidden, for listings (Apprise's privacy form)."""
    service = _service(url)
    return service.url(privacy=True) if service is not None else redacted_url(url)


def network_host(url: str) -> str | None:
    """The host the URL names when it is a network host (json://HOST/…, mailto://HOST…), not
    a token in the host's place (tgram://BOT_TOKEN/…); None otherwise."""
    service = _service(url)
    if service is None or "host" not in service.template_tokens:
        return None
    return (service.host or "").strip("[]") or None


def redacted_url(url: str) -> str:
    """What the archive keeps of a receiver's URL: its scheme and network host (and the port
    typed), nothing else: no user, password, token, path or query."""
    scheme = url.split("://", 1)[0] if "://" in url else "?"
    host = network_host(url)
    if host is None:
        return f"{scheme}://…"
    try:
        port = urlsplit(url).port
    except ValueError:
        port = None
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}{f':{port}' if port else ''}/…"


def address_kind(address: str) -> str | None:
    """What makes an address non-public ("loopback", "private", "link-local", …), or None for a
    public one. Names are not resolved here: `localhost` counts as loopback, others as None."""
    name = address.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback"
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        try:  # the forms inet_aton reads: 2130706433, 0x7f.1, 127.1
            ip = ipaddress.ip_address(socket.inet_aton(name))
        except OSError:
            return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("unspecified", ip.is_unspecified), ("multicast", ip.is_multicast),
                       ("private", ip.is_private)):
        if flag:
            return kind
    return None if ip.is_global else "non-public"


def resolved_kinds(host: str) -> list[tuple[str, str]]:
    """(address, kind) for each non-public address `host` is or resolves to; a name that does
    not resolve here gives none (the delivery checks again)."""
    kind = address_kind(host)
    if kind is not None:
        return [(host, kind)]
    try:
        answers = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    found = {answer[4][0] for answer in answers}
    return sorted((address, kind) for address in found
                  if (kind := address_kind(address)) is not None)


def refused_target(url: str) -> str | None:
    """Why the URL may not be a watch's receiver without an explicit allowance, or None."""
    host = network_host(url)
    if host is None:
        return None
    refused = resolved_kinds(host)
    if not refused:
        return None
    address, kind = refused[0]
    named = host if address == host else f"{host} ({address})"
    return (f"{named} is a {kind} address: give {ALLOW_OPTION} to send notifications "
            "into this machine's or its network's own services")
