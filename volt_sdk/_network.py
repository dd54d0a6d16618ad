"""What counts as a loopback host: one rule for the client and the sandbox."""

from __future__ import annotations

import ipaddress

__all__ = ["is_loopback_host"]


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is certainly this machine, without asking DNS.

    True only for:

    - a literal IPv4 address in ``127.0.0.0/8`` (``127.0.0.1``, ``127.0.0.2``, ...);
    - the literal IPv6 address ``::1``, in any spelling (``0:0:0:0:0:0:0:1``);
    - the name ``localhost``, in any case, with or without a trailing dot.

    Everything else is False, even where it may well reach this machine: a
    subdomain of ``localhost`` (``foo.localhost``) and any other name, because a
    name other than ``localhost`` is resolved by DNS, which can say anything;
    IPv4-mapped IPv6 addresses (``::ffff:127.0.0.1``), which Python's own
    ``is_loopback`` counts on some versions and not on others; shorthand or
    padded IPv4 (``127.1``, ``127.000.000.001``), which resolvers read
    inconsistently; and a bracketed ``[::1]``: both callers get hosts without
    brackets (``httpx.URL.host``, the address the sandbox binds).
    """
    name = host.lower()
    if name in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return False
    return address.is_loopback
