from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from hubwire.common.errors import InvalidInput, OutboundURLRefused
from hubwire.common.outbound import (
    GuardedResolver,
    OutboundPolicy,
    blocked_domain_of,
    check_address,
    check_url,
    guarded_connector,
    load_blocked_domains,
    refusal_of,
    resolve_checked,
)
from tests.conftest import shared_cases

FAKE_NAME = "hooks.example.com"


CASES = json.loads((shared_cases() / "outbound-urls.json").read_text("utf-8"))
BLOCKED = load_blocked_domains()
PRODUCTION = OutboundPolicy(blocked_domains=BLOCKED)
HTTP_ALLOWED = OutboundPolicy(allow_http=True, blocked_domains=BLOCKED)
DEVELOPMENT = OutboundPolicy(
    allow_private=True, allow_http=True, blocked_domains=BLOCKED
)


# -- URLs on save -------------------------------------------------------------


@pytest.mark.parametrize("url", CASES["refuse"])
def test_each_shared_refuse_case_is_refused_in_production(url: str) -> None:
    with pytest.raises(OutboundURLRefused, match="refused") as caught:
        check_url(url, policy=PRODUCTION)

    assert caught.value.url == url


@pytest.mark.parametrize("url", CASES["allow"])
def test_each_shared_allow_case_is_returned_unchanged(url: str) -> None:
    assert check_url(url, policy=PRODUCTION) == url


@pytest.mark.parametrize(
    "url", [url for url in CASES["refuse"] if url.startswith("http://")]
)
def test_shared_http_cases_are_refused_by_their_host_even_when_http_is_allowed(
    url: str,
) -> None:
    with pytest.raises(OutboundURLRefused) as caught:
        check_url(url, policy=HTTP_ALLOWED)

    assert "scheme" not in caught.value.reason
    assert any(word in caught.value.reason for word in ("range", "metadata", "local"))


def test_ftp_is_refused_even_when_http_is_allowed() -> None:
    with pytest.raises(OutboundURLRefused, match="scheme 'ftp' is not allowed"):
        check_url("ftp://example.com/hook", policy=HTTP_ALLOWED)


def test_http_is_refused_unless_allowed() -> None:
    with pytest.raises(OutboundURLRefused, match="scheme 'http' is not allowed"):
        check_url("http://hooks.example.com/", policy=PRODUCTION)

    assert check_url("http://hooks.example.com/", policy=HTTP_ALLOWED)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://user:pw@hooks.example.com/", "credentials in the URL"),
        ("https://hooks.example.com@10.0.0.1/", "credentials in the URL"),
        ("https://hooks.example.com\\@evil.test/", "backslashes"),
        ("https://hooks.example.com/a b", "whitespace"),
        ("https://hooks.example.com/\n", "control characters"),
        ("https://[::1/", "cannot be parsed"),
        ("https://hooks.example.com:99999/", "port is not valid"),
        ("https://hooks.example.com:0/", "port 0"),
        ("https:///path", "names no host"),
        ("//hooks.example.com/", "not an absolute URL"),
        ("https://a..b.com/", "not a valid host name"),
    ],
)
def test_malformed_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(OutboundURLRefused, match=reason):
        check_url(url, policy=DEVELOPMENT)


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f.1", "127.1", "0177.0.0.1", "10.0.0.0x1"]
)
def test_legacy_numeric_hosts_are_refused_even_in_development(host: str) -> None:
    with pytest.raises(OutboundURLRefused, match="not a canonical IP address"):
        check_url(f"https://{host}/", policy=DEVELOPMENT)


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "api.localhost",
        "intranet",
        "printer.local",
        "metadata.google.internal",
        "router.home.arpa",
    ],
)
def test_local_host_names_are_refused_unless_private_is_allowed(host: str) -> None:
    url = f"https://{host}/hook"

    with pytest.raises(OutboundURLRefused, match=f"{host} is a"):
        check_url(url, policy=PRODUCTION)
    assert check_url(url, policy=DEVELOPMENT) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://webhook.site/abc",
        "https://X.Webhook.Site./abc",
        "https://ｗｅｂｈｏｏｋ.site/abc",
        "https://eo1x2y.m.pipedream.net/",
        "https://smee.io/abc",
    ],
)
def test_blocked_services_are_refused_even_in_development(url: str) -> None:
    with pytest.raises(OutboundURLRefused, match="is a blocked inspection service"):
        check_url(url, policy=DEVELOPMENT)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fe80::1%25eth0]/",
    ],
)
def test_literal_addresses_are_judged_as_addresses(url: str) -> None:
    with pytest.raises(OutboundURLRefused, match="range"):
        check_url(url, policy=PRODUCTION)
    assert check_url(url, policy=DEVELOPMENT) == url


def test_a_public_literal_address_is_allowed() -> None:
    assert check_url("https://[2606:4700:4700::1111]:8443/x", policy=PRODUCTION)


# -- the blocked list ---------------------------------------------------------


def test_the_packaged_list_blocks_the_well_known_inspection_services() -> None:
    expected = {"webhook.site", "requestbin.com", "pipedream.net", "beeceptor.com"}

    assert expected <= BLOCKED
    assert "ngrok-free.app" not in BLOCKED
    assert "httpbin.org" not in BLOCKED


@pytest.mark.parametrize(
    ("host", "listed"),
    [
        ("webhook.site", "webhook.site"),
        ("a.b.webhook.site", "webhook.site"),
        ("WEBHOOK.SITE.", "webhook.site"),
        ("notwebhook.site", None),
        ("webhook.site.example.com", None),
        ("example.com", None),
    ],
)
def test_a_host_matches_a_listed_domain_only_on_label_boundaries(
    host: str, listed: str | None
) -> None:
    assert blocked_domain_of(host, BLOCKED) == listed


def test_an_operator_file_with_comments_and_wildcards_is_read(tmp_path: Path) -> None:
    path = tmp_path / "blocked.txt"
    path.write_text(
        "# ours\n\ninspect.example.net  # added 2024\n*.Catch.Example.org.\n",
        encoding="utf-8",
    )

    domains = load_blocked_domains(path)

    assert domains == {"inspect.example.net", "catch.example.org"}
    assert blocked_domain_of("x.catch.example.org", domains) == "catch.example.org"


@pytest.mark.parametrize("line", ["not a domain", "localhost", "10.0.0.1"])
def test_an_operator_file_line_that_is_not_a_domain_is_refused(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "blocked.txt"
    path.write_text(f"webhook.site\n{line}\n", encoding="utf-8")

    with pytest.raises(InvalidInput, match="line 2: .* is not a domain"):
        load_blocked_domains(path)


# -- addresses ----------------------------------------------------------------

NON_GLOBAL = [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "unique local"),
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("100.64.0.1", "CGNAT"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("0.1.2.3", "this network"),
    ("255.255.255.255", "broadcast"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.1", "documentation"),
    ("203.0.113.1", "documentation"),
    ("2001:db8::1", "documentation"),
    ("fec0::1", "site-local"),
    ("100::1", "discard-only"),
]

EMBEDDED = [
    ("::ffff:127.0.0.1", "127.0.0.1"),
    ("::ffff:10.0.0.1", "10.0.0.1"),
    ("::10.0.0.1", "10.0.0.1"),
    ("64:ff9b::10.0.0.1", "10.0.0.1"),
    ("2002:a00:1::1", "10.0.0.1"),
    ("2001:0:808:808::f5ff:fffe", "10.0.0.1"),
]

METADATA = [
    "169.254.169.254",
    "fd00:ec2::254",
    "100.100.100.200",
    "::ffff:169.254.169.254",
    "64:ff9b::169.254.169.254",
    "64:ff9b:1::a9fe:a9fe",
    "64:ff9b:1:a9fe:a9:fe00::",
    "2002:a9fe:a9fe::1",
]


@pytest.mark.parametrize(("address", "kind"), NON_GLOBAL)
def test_non_global_addresses_are_refused_and_named(address: str, kind: str) -> None:
    with pytest.raises(OutboundURLRefused, match=kind):
        check_address(address, policy=PRODUCTION)


@pytest.mark.parametrize(("address", "kind"), NON_GLOBAL)
def test_non_global_addresses_are_allowed_in_development(
    address: str, kind: str
) -> None:
    check_address(address, policy=DEVELOPMENT)


@pytest.mark.parametrize(("address", "inner"), EMBEDDED)
def test_embedded_ipv4_addresses_are_unpacked_and_checked(
    address: str, inner: str
) -> None:
    escaped = re.escape(inner)
    expected = f"embeds {escaped}: {escaped} is in the (private|loopback) range"

    with pytest.raises(OutboundURLRefused, match=expected):
        check_address(address, policy=PRODUCTION)


@pytest.mark.parametrize("address", METADATA)
def test_metadata_addresses_are_refused_even_in_development(address: str) -> None:
    with pytest.raises(OutboundURLRefused, match="cloud metadata address"):
        check_address(address, policy=DEVELOPMENT)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "[2606:4700:4700::1111]", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"],
)
def test_public_addresses_and_their_translations_are_allowed(address: str) -> None:
    check_address(address, policy=PRODUCTION)


def test_something_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(OutboundURLRefused, match="not an IP address"):
        check_address("hooks.example.com", policy=DEVELOPMENT)


# -- resolution ---------------------------------------------------------------

AddrInfo = tuple[Any, ...]


@pytest.fixture
async def fake_dns(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[list[str]], None]:
    """Answers FAKE_NAME with chosen addresses; other names resolve for real."""
    loop = asyncio.get_running_loop()
    real: Callable[..., Awaitable[list[AddrInfo]]] = loop.getaddrinfo

    def install(addresses: list[str]) -> None:
        async def getaddrinfo(host: str, port: Any, **kw: Any) -> list[AddrInfo]:
            if host != FAKE_NAME:
                return await real(host, port, **kw)
            return [_addrinfo(address, int(port)) for address in addresses]

        monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)

    return install


def _addrinfo(address: str, port: int) -> AddrInfo:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


async def test_a_name_is_resolved_to_its_checked_addresses(
    fake_dns: Callable[[list[str]], None],
) -> None:
    fake_dns(["8.8.8.8", "2606:4700:4700::1111", "8.8.8.8"])

    addresses = await resolve_checked(FAKE_NAME, 443, policy=PRODUCTION)

    assert addresses == ["8.8.8.8", "2606:4700:4700::1111"]


async def test_a_name_with_one_private_address_among_public_ones_is_refused(
    fake_dns: Callable[[list[str]], None],
) -> None:
    fake_dns(["8.8.8.8", "10.0.0.7"])

    with pytest.raises(OutboundURLRefused, match="resolves to a refused address"):
        await resolve_checked(FAKE_NAME, 443, policy=PRODUCTION)


async def test_a_name_resolving_to_metadata_is_refused_in_development(
    fake_dns: Callable[[list[str]], None],
) -> None:
    fake_dns(["169.254.169.254"])

    with pytest.raises(OutboundURLRefused, match="cloud metadata address"):
        await resolve_checked(FAKE_NAME, 80, policy=DEVELOPMENT)


async def test_localhost_resolves_to_loopback_only_in_development() -> None:
    with pytest.raises(OutboundURLRefused, match="localhost is a local host name"):
        await resolve_checked("localhost", 80, policy=PRODUCTION)

    addresses = await resolve_checked("localhost", 80, policy=DEVELOPMENT)

    assert "127.0.0.1" in addresses


async def test_a_literal_address_is_checked_without_a_lookup() -> None:
    assert await resolve_checked("8.8.8.8", 53, policy=PRODUCTION) == ["8.8.8.8"]
    with pytest.raises(OutboundURLRefused, match="loopback"):
        await resolve_checked("127.0.0.1", 53, policy=PRODUCTION)


async def test_the_resolver_answers_aiohttp_with_numeric_results(
    fake_dns: Callable[[list[str]], None],
) -> None:
    fake_dns(["8.8.8.8"])
    resolver = GuardedResolver(PRODUCTION)

    results = await resolver.resolve(FAKE_NAME, 443, family=socket.AF_UNSPEC)

    assert [(r["hostname"], r["host"], r["port"]) for r in results] == [
        (FAKE_NAME, "8.8.8.8", 443)
    ]
    assert results[0]["family"] == socket.AF_INET


# -- end to end through aiohttp ------------------------------------------------


@dataclass
class Receiver:
    port: int
    paths: list[str] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A real HTTP server on 127.0.0.1; ``/redirect`` points at a blocked service."""
    found = Receiver(port=0)

    async def handle(request: web.Request) -> web.Response:
        found.paths.append(request.path)
        if request.path == "/redirect":
            raise web.HTTPFound("https://webhook.site/stolen")
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    found.port = runner.addresses[0][1]
    yield found
    await runner.cleanup()


async def fetch(url: str, policy: OutboundPolicy, **kw: Any) -> str:
    async with (
        aiohttp.ClientSession(connector=guarded_connector(policy)) as session,
        session.get(url, **kw) as response,
    ):
        return await response.text()


async def test_a_loopback_server_is_refused_before_any_byte_is_sent(
    receiver: Receiver,
) -> None:
    url = f"http://127.0.0.1:{receiver.port}/hook"

    with pytest.raises(OutboundURLRefused, match="loopback range") as caught:
        await fetch(url, HTTP_ALLOWED)

    assert caught.value.url == url
    assert receiver.paths == []


async def test_a_loopback_server_is_reached_when_private_is_allowed(
    receiver: Receiver,
) -> None:
    text = await fetch(f"http://127.0.0.1:{receiver.port}/hook", DEVELOPMENT)

    assert text == "hello"
    assert receiver.paths == ["/hook"]


async def test_localhost_is_reached_through_the_resolver_in_development(
    receiver: Receiver,
) -> None:
    text = await fetch(f"http://localhost:{receiver.port}/named", DEVELOPMENT)

    assert text == "hello"
    assert receiver.paths == ["/named"]


async def test_a_public_looking_name_resolving_to_loopback_is_refused(
    receiver: Receiver, fake_dns: Callable[[list[str]], None]
) -> None:
    fake_dns(["127.0.0.1"])
    url = f"http://{FAKE_NAME}:{receiver.port}/rebound"

    with pytest.raises(OutboundURLRefused, match="resolves to a refused address"):
        await fetch(url, HTTP_ALLOWED)

    assert receiver.paths == []


async def test_the_connection_goes_to_the_address_the_resolver_checked(
    receiver: Receiver, fake_dns: Callable[[list[str]], None]
) -> None:
    fake_dns(["127.0.0.1"])

    text = await fetch(f"http://{FAKE_NAME}:{receiver.port}/via-dns", DEVELOPMENT)

    assert text == "hello"
    assert receiver.paths == ["/via-dns"]


async def test_aiohttp_passes_a_resolver_refusal_through_unwrapped(
    receiver: Receiver, fake_dns: Callable[[list[str]], None]
) -> None:
    fake_dns(["127.0.0.1"])
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(HTTP_ALLOWED))
    url = f"http://{FAKE_NAME}:{receiver.port}/"

    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(OutboundURLRefused, match="127.0.0.1") as caught:
            await session.get(url)

    assert not isinstance(caught.value, aiohttp.ClientError)
    assert refusal_of(caught.value) is caught.value


async def test_a_failed_lookup_stays_an_aiohttp_error_and_is_no_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_such_name(*args: Any, **kw: Any) -> list[AddrInfo]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_such_name)

    with pytest.raises(aiohttp.ClientConnectorDNSError) as caught:
        await fetch(f"https://{FAKE_NAME}/", PRODUCTION)

    assert refusal_of(caught.value) is None


async def test_a_redirect_to_a_blocked_service_is_refused_at_connect_time(
    receiver: Receiver,
) -> None:
    url = f"http://127.0.0.1:{receiver.port}/redirect"

    with pytest.raises(OutboundURLRefused, match="webhook.site is a blocked") as caught:
        await fetch(url, DEVELOPMENT)

    assert caught.value.url == "https://webhook.site/stolen"
    assert receiver.paths == ["/redirect"]


async def test_a_request_through_a_proxy_is_refused(receiver: Receiver) -> None:
    url = f"http://127.0.0.1:{receiver.port}/"
    proxy = f"http://127.0.0.1:{receiver.port}"

    with pytest.raises(OutboundURLRefused, match="through a proxy"):
        await fetch(url, DEVELOPMENT, proxy=proxy)

    assert receiver.paths == []


async def test_the_guarded_connector_keeps_its_own_resolver() -> None:
    with pytest.raises(TypeError, match="sets its own resolver"):
        guarded_connector(PRODUCTION, resolver=GuardedResolver(DEVELOPMENT))


def test_a_refusal_is_found_behind_a_wrapping_exception() -> None:
    refusal = OutboundURLRefused("https://x.test/", "test")
    try:
        try:
            raise refusal
        except OutboundURLRefused as exc:
            raise OSError("wrapped") from exc
    except OSError as wrapper:
        assert refusal_of(wrapper) is refusal
