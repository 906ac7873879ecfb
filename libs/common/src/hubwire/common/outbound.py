"""The outbound URL guard: which URLs and addresses Hubwire may call.

Webhook destinations and customer apps are URLs typed in by admins and called by
the servers, so without a guard a URL could reach the servers' own network
(SSRF). There are two checkpoints, and both apply the same rules:

* **on save**, :func:`check_url` judges the URL by its text: scheme, userinfo,
  blocked services, local host names, literal IP addresses;
* **at connect time**, the connector from :func:`guarded_connector` runs
  :func:`check_url` again on every request (redirects included) and its
  :class:`GuardedResolver` checks every address DNS answers before handing
  aiohttp only those addresses. The socket therefore connects to an address that
  was checked; a name that resolves elsewhere a moment later (DNS rebinding)
  changes nothing.

A refusal raises :class:`~hubwire.common.errors.OutboundURLRefused`. Through
aiohttp it reaches the caller **as itself**, not wrapped: aiohttp wraps only
``OSError`` raised by connectors and resolvers (into ``ClientConnectorError``),
and ``OutboundURLRefused`` deliberately is not an ``OSError``. So a caller
writes ``except OutboundURLRefused`` around ``session.request(...)``, before
``except aiohttp.ClientError``. :func:`refusal_of` also finds a refusal in an
exception's cause chain, for code that sits behind some other wrapper.

Known limits: requests through an HTTP proxy are refused by the guarded
connector, since the proxy, not Hubwire, would resolve the target. A connection
kept alive in aiohttp's pool goes on to the address checked when it was opened;
only its URL is checked again. Destinations already saved are not re-checked
here when the blocked list grows, only refused at their next connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import SplitResult, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from hubwire.common.errors import InvalidInput, OutboundURLRefused

if TYPE_CHECKING:
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.connector import Connection
    from aiohttp.tracing import Trace

logger = logging.getLogger(__name__)

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPv4Net = ipaddress.IPv4Network
_IPv6Net = ipaddress.IPv6Network


@dataclass(frozen=True, kw_only=True)
class OutboundPolicy:
    """What the guard lets through.

    Production uses the defaults plus ``blocked_domains`` from
    :func:`load_blocked_domains`; an empty ``blocked_domains`` blocks no service.

    ``allow_private`` (development and tests): loopback, private and every other
    non-global address, and local host names such as ``localhost``, are allowed.
    Cloud metadata addresses and blocked services stay refused.
    ``allow_http`` (development): ``http://`` is allowed besides ``https://``.
    """

    allow_private: bool = False
    allow_http: bool = False
    blocked_domains: frozenset[str] = frozenset()


# Refused even with allow_private. A staging or development deployment on a
# cloud host may well run with allow_private, and a single request to one of
# these hands out the machine's cloud credentials; no webhook receiver or
# customer app ever lives there.
_METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(text)
    for text in (
        "169.254.169.254",  # AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack
        "169.254.170.2",  # AWS ECS task metadata and credentials
        "169.254.170.23",  # AWS EKS Pod Identity agent
        "fd00:ec2::254",  # AWS instance metadata over IPv6
        "fd00:ec2::23",  # AWS EKS Pod Identity agent over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a public address)
        "192.0.0.192",  # Oracle Cloud, legacy metadata
    )
)

# Ranges refused unless allow_private; the first match names the reason, so
# narrower ranges come first. Anything else that ipaddress does not call global
# is refused too, as "not globally routable".
_SPECIAL_IPV4: tuple[tuple[_IPv4Net, str], ...] = tuple(
    (ipaddress.IPv4Network(net), kind)
    for net, kind in (
        ("0.0.0.0/32", "unspecified"),
        ("0.0.0.0/8", "'this network'"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
    )
)
_SPECIAL_IPV6: tuple[tuple[_IPv6Net, str], ...] = tuple(
    (ipaddress.IPv6Network(net), kind)
    for net, kind in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("::/8", "reserved"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/32", "Teredo"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "SRv6 SID"),
        ("fc00::/7", "unique local (private)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")

_LOCAL_SUFFIXES = ("localhost", "local", "localdomain", "internal", "home.arpa")
# A last label that is a number makes the host an IPv4 address in some legacy
# notation (2130706433, 0x7f.1, 127.1) for resolvers, never a DNS name.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
_NUMERIC_FLAGS = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


# -- the blocked list ---------------------------------------------------------


def load_blocked_domains(path: Path | None = None) -> frozenset[str]:
    """The blocked webhook-inspection domains, lower-case ASCII.

    ``path`` is the operator's file (setting ``HUBWIRE_BLOCKED_SERVICES_FILE``);
    ``None`` reads the packaged list. A line that is not a domain name raises
    ``InvalidInput`` naming the line, so a typo cannot silently unblock a
    service; a missing file raises ``OSError``.
    """
    if path is None:
        data = resources.files("hubwire.common").joinpath("data/blocked_services.txt")
        return frozenset(_parse_blocked(data.read_text("utf-8"), "blocked list"))
    return frozenset(_parse_blocked(path.read_text("utf-8"), str(path)))


def _parse_blocked(text: str, source: str) -> Iterator[str]:
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.partition("#")[0].strip()
        if not entry:
            continue

        domain = _normalize_host(entry.removeprefix("*."))
        if domain is None or "." not in domain or _parse_address(domain):
            raise InvalidInput(f"{source}, line {number}: {entry!r} is not a domain")
        yield domain


def blocked_domain_of(host: str, blocked: frozenset[str]) -> str | None:
    """The listed domain that ``host`` is, or is a subdomain of; else ``None``.

    Matching is on the IDNA (ASCII) form without trailing dots, so
    ``X.Webhook.Site.`` and full-width spellings match ``webhook.site``.
    """
    name = _normalize_host(host) or host.lower()
    labels = name.split(".")
    for start in range(len(labels)):
        candidate = ".".join(labels[start:])
        if candidate in blocked:
            return candidate
    return None


def _normalize_host(host: str) -> str | None:
    """Lower-case IDNA form without trailing dots; ``None`` if not a valid name."""
    name = host.rstrip(".").lower()
    if not name:
        return None
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return None


# -- addresses ----------------------------------------------------------------


def check_address(address: str, *, policy: OutboundPolicy) -> None:
    """Refuse one IP address Hubwire may not connect to.

    Accepts ``[v6]`` brackets and a ``%scope`` suffix. Raises
    ``OutboundURLRefused(address, reason)`` for a metadata address (always),
    for an address embedding a refused IPv4 address (IPv4-mapped and
    -compatible, NAT64, 6to4, Teredo), and, unless ``policy.allow_private``,
    for any loopback, private, link-local, CGNAT, multicast, reserved,
    documentation, benchmarking or otherwise non-global address.
    """
    ip = _parse_address(address)
    if ip is None:
        raise OutboundURLRefused(address, "not an IP address")
    _refuse_address(address, ip, policy)


def _parse_address(text: str) -> IPAddress | None:
    # The scope is dropped: fe80::1%eth0 must match the same rules as fe80::1.
    bare = text.strip().removeprefix("[").removesuffix("]").partition("%")[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return None


def _refuse_address(url: str, ip: IPAddress, policy: OutboundPolicy) -> None:
    problem = _address_problem(ip, policy)
    if problem is not None:
        raise OutboundURLRefused(url, problem)


def _address_problem(ip: IPAddress, policy: OutboundPolicy) -> str | None:
    if ip in _METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"

    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:a.b.c.d and 64:ff9b::a.b.c.d reach a.b.c.d itself: judge that.
        translated = _translated_ipv4(ip)
        if translated is not None:
            return _embedded_problem(ip, translated, policy)
        for inner in _embedded_ipv4(ip):
            if problem := _embedded_problem(ip, inner, policy):
                return problem

    if policy.allow_private:
        return None
    return _range_problem(ip)


def _embedded_problem(
    outer: ipaddress.IPv6Address, inner: ipaddress.IPv4Address, policy: OutboundPolicy
) -> str | None:
    problem = _address_problem(inner, policy)
    return None if problem is None else f"{outer} embeds {inner}: {problem}"


def _translated_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> Iterator[ipaddress.IPv4Address]:
    """IPv4 addresses carried in IPv6 transition forms, each checked as well."""
    bits = int(ip)
    if ip in _IPV4_COMPATIBLE and bits > 1:
        yield ipaddress.IPv4Address(bits)
    if ip in _NAT64_LOCAL:
        # Operators use either the /96 layout or RFC 6052's /48 one (the
        # address split around the reserved octet at bits 64-71): check both.
        yield ipaddress.IPv4Address(bits & 0xFFFFFFFF)
        yield ipaddress.IPv4Address((bits >> 64 & 0xFFFF) << 16 | bits >> 40 & 0xFFFF)
    if ip.sixtofour is not None:
        yield ip.sixtofour
    if ip.teredo is not None:
        yield from ip.teredo


def _range_problem(ip: IPAddress) -> str | None:
    table = _SPECIAL_IPV4 if isinstance(ip, ipaddress.IPv4Address) else _SPECIAL_IPV6
    for network, kind in table:
        if ip in network:
            return f"{ip} is in the {kind} range {network}"
    if not ip.is_global:
        return f"{ip} is not a globally routable address"
    return None


# -- URLs and host names ------------------------------------------------------


def check_url(url: str, *, policy: OutboundPolicy) -> str:
    """Return ``url`` unchanged if Hubwire may call it; else raise.

    Raises ``OutboundURLRefused(url, reason)`` for: an empty or unparseable URL,
    whitespace, control characters or backslashes in it, a scheme other than
    https (and http with ``allow_http``), userinfo (credentials belong in the
    username and password fields), a bad port, no host, a host on the blocked
    list (always), a numeric host that is not a canonical IP address, a literal
    address refused by :func:`check_address`, and, unless ``allow_private``, a
    local name: a single label, ``localhost``, ``.local``, ``.internal`` and
    the like. Names are judged here; their addresses only at connect time.
    """
    parts = _split(url)
    _check_scheme(url, parts.scheme, policy)
    host = _host_of(url, parts)
    _check_host(url, host, policy)
    return url


def _split(url: str) -> SplitResult:
    if not url:
        raise OutboundURLRefused(url, "the URL is empty")
    if _UNSAFE_CHARS.search(url):
        raise OutboundURLRefused(
            url, "the URL contains whitespace, control characters or backslashes"
        )
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise OutboundURLRefused(url, "the URL cannot be parsed") from exc


def _check_scheme(url: str, scheme: str, policy: OutboundPolicy) -> None:
    allowed = ("http", "https") if policy.allow_http else ("https",)
    if not scheme:
        raise OutboundURLRefused(url, "not an absolute URL")
    if scheme not in allowed:
        names = " or ".join(allowed)
        raise OutboundURLRefused(url, f"scheme {scheme!r} is not allowed ({names})")


def _host_of(url: str, parts: SplitResult) -> str:
    if "@" in parts.netloc:
        raise OutboundURLRefused(
            url, "credentials in the URL are not allowed; use the username field"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise OutboundURLRefused(url, "the port is not valid") from exc
    if port == 0:
        raise OutboundURLRefused(url, "port 0 cannot be called")
    if not parts.hostname:
        raise OutboundURLRefused(url, "the URL names no host")
    return parts.hostname


def _check_host(url: str, host: str, policy: OutboundPolicy) -> None:
    ip = _parse_address(host)
    if ip is not None:
        _refuse_address(url, ip, policy)
        return

    name = _normalize_host(host)
    if name is None:
        raise OutboundURLRefused(url, f"{host!r} is not a valid host name")
    listed = blocked_domain_of(name, policy.blocked_domains)
    if listed is not None:
        raise OutboundURLRefused(url, f"{listed} is a blocked inspection service")
    if _NUMERIC_LABEL.fullmatch(name.rpartition(".")[2]):
        raise OutboundURLRefused(url, f"{host} is not a canonical IP address")
    if not policy.allow_private and (problem := _local_name_problem(name)):
        raise OutboundURLRefused(url, problem)


def _local_name_problem(name: str) -> str | None:
    for suffix in _LOCAL_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            return f"{name} is a local host name"
    if "." not in name:
        # Resolved through the server's search domains, i.e. its own network.
        return f"{name} is a single-label host name"
    return None


# -- connect time -------------------------------------------------------------


@dataclass(frozen=True)
class _Resolved:
    address: str
    port: int
    family: int
    proto: int


async def resolve_checked(host: str, port: int, *, policy: OutboundPolicy) -> list[str]:
    """Resolve ``host`` and return its addresses, all of them checked.

    Applies the host-name rules of :func:`check_url`, then refuses the whole
    name if any one address is refused: a name answering one public and one
    private address is treated as an attempt, not half-trusted. Raises
    ``OutboundURLRefused(host, reason)``; a failed lookup raises
    ``socket.gaierror`` (an ``OSError``), as ``getaddrinfo`` does.
    """
    records = await _checked_records(host, port, socket.AF_UNSPEC, policy)
    return list(dict.fromkeys(record.address for record in records))


async def _checked_records(
    host: str, port: int, family: int, policy: OutboundPolicy
) -> list[_Resolved]:
    _check_host(host, host, policy)
    ip = _parse_address(host)
    if ip is not None:
        return [_Resolved(host.strip("[]"), port, _family_of(ip), 0)]

    records = await _lookup(host, port, family)
    for record in records:
        ip = _parse_address(record.address)
        problem = "not an IP address" if ip is None else _address_problem(ip, policy)
        if problem is not None:
            raise OutboundURLRefused(
                host, f"{host} resolves to a refused address: {problem}"
            )
    if not records:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no usable address")
    return records


def _family_of(ip: IPAddress) -> int:
    return socket.AF_INET if ip.version == 4 else socket.AF_INET6


async def _lookup(host: str, port: int, family: int) -> list[_Resolved]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(
        host, port, family=family, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
    )
    records: list[_Resolved] = []
    for info_family, _, proto, _, sockaddr in infos:
        if info_family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address, info_port = str(sockaddr[0]), int(sockaddr[1])
        if info_family == socket.AF_INET6 and len(sockaddr) > 3 and sockaddr[3]:
            # A scoped (link-local) address needs its %zone to be dialled.
            address, numeric_port = await loop.getnameinfo(
                sockaddr, socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
            )
            info_port = int(numeric_port)
        records.append(_Resolved(address, info_port, info_family, proto))
    return records


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that answers only addresses it has checked.

    aiohttp connects to exactly the addresses a resolver returns, so checking
    here, after DNS, closes the rebinding gap a save-time check leaves open.
    aiohttp does not consult resolvers for literal IP hosts; the connector
    from :func:`guarded_connector` checks those.
    """

    def __init__(self, policy: OutboundPolicy) -> None:
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        records = await _checked_records(host, port, family, self._policy)
        return [
            ResolveResult(
                hostname=host,
                host=record.address,
                port=record.port,
                family=record.family,
                proto=record.proto,
                flags=_NUMERIC_FLAGS,
            )
            for record in records
        ]

    async def close(self) -> None:
        return None


class GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector that checks each request's URL and resolved addresses.

    :meth:`connect` runs :func:`check_url` on every request, so redirects,
    literal IP hosts and hosts added to the blocked list since the URL was
    saved are refused too; DNS answers go through :class:`GuardedResolver`.
    """

    def __init__(self, policy: OutboundPolicy, **kw: Any) -> None:
        super().__init__(resolver=GuardedResolver(policy), **kw)
        self._policy = policy

    async def connect(
        self, req: ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        url = str(req.url)
        try:
            if req.proxy is not None:
                raise OutboundURLRefused(
                    url, "requests through a proxy are not checked"
                )
            check_url(url, policy=self._policy)
            return await super().connect(req, traces, timeout)
        except OutboundURLRefused as exc:
            logger.warning("outbound request to %s refused: %s", req.host, exc.reason)
            if exc.url == url:
                raise
            raise OutboundURLRefused(url, exc.reason) from exc


def guarded_connector(policy: OutboundPolicy, **kw: Any) -> aiohttp.TCPConnector:
    """A connector for every outbound call to a destination or customer app.

    ``kw`` goes to ``aiohttp.TCPConnector`` (limits, TLS, DNS cache); a
    ``resolver`` may not be given. Create it inside a running event loop and
    use it with a session that has no proxy (``trust_env=False``, the default).
    """
    if "resolver" in kw:
        raise TypeError("guarded_connector() sets its own resolver")
    return GuardedConnector(policy, **kw)


def refusal_of(exc: BaseException) -> OutboundURLRefused | None:
    """The ``OutboundURLRefused`` that is ``exc`` or in its cause chain, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OutboundURLRefused):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
