"""``AioHttpClient``: aiohttp's errors read as httpx's, its options, its lifecycle.

What the SDK concludes from an error (retry, or an outcome unknown) is decided
once, from httpx's error types (``volt_sdk._wire._response``); the transport's
job is to pick the httpx type that says the same about the request.
tests/hostile/test_transport_delivery.py checks the same at a real socket.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest
import yarl
from aiohttp.client_reqrep import ConnectionKey
from multidict import CIMultiDict, CIMultiDictProxy

from tests.hostile.behaviours import answer_valid
from tests.hostile.server import HostileServer
from volt_sdk import DEFAULT_TIMEOUT, AioHttpClient, AsyncVolt, Message, _concurrency
from volt_sdk._config import BearerAuth
from volt_sdk._wire import transport_error
from volt_sdk._wire._aiohttp import AioHttpTransport, httpx_error

pytestmark = pytest.mark.anyio

URL = httpx.URL("https://api.example.test/graphql")
REQUEST = httpx.Request("POST", URL)
INFO = aiohttp.RequestInfo(
    yarl.URL(str(URL)), "POST", CIMultiDictProxy(CIMultiDict()), yarl.URL(str(URL))
)
KEY = ConnectionKey("api.example.test", 443, True, True, None, None, None)

# (aiohttp's error, the httpx error it becomes, whether the request may have left)
CASES: dict[str, tuple[BaseException, type[httpx.TransportError], bool]] = {
    "connect timeout": (aiohttp.ConnectionTimeoutError("pool"), httpx.ConnectTimeout, False),
    "connect refused": (
        aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")),
        httpx.ConnectError,
        False,
    ),
    "dns": (
        aiohttp.ClientConnectorDNSError(KEY, OSError(-2, "Name or service not known")),
        httpx.ConnectError,
        False,
    ),
    "proxy connect": (
        aiohttp.ClientProxyConnectionError(KEY, OSError(111, "refused")),
        httpx.ConnectError,
        False,
    ),
    "invalid url": (aiohttp.InvalidURL("nope"), httpx.UnsupportedProtocol, False),
    "not http": (aiohttp.NonHttpUrlClientError("ftp://x"), httpx.UnsupportedProtocol, False),
    "read timeout": (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout, True),
    "server timeout": (aiohttp.ServerTimeoutError("read"), httpx.ReadTimeout, True),
    "total timeout": (asyncio.TimeoutError(), httpx.ReadTimeout, True),
    "disconnected": (aiohttp.ServerDisconnectedError(), httpx.ReadError, True),
    "reset": (aiohttp.ClientConnectionResetError("reset"), httpx.ReadError, True),
    "os error": (aiohttp.ClientOSError(104, "reset by peer"), httpx.ReadError, True),
    "payload": (aiohttp.ClientPayloadError("short body"), httpx.ReadError, True),
    "bad status line": (
        aiohttp.ClientResponseError(INFO, (), status=400, message="Bad status line"),
        httpx.RemoteProtocolError,
        True,
    ),
    "proxy refused": (
        aiohttp.ClientHttpProxyError(INFO, (), status=407, message="auth"),
        httpx.ProxyError,
        True,
    ),
    "other client error": (aiohttp.ClientError("?"), httpx.ReadError, True),
    "plain os error": (ConnectionResetError(104, "reset"), httpx.ReadError, True),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_aiohttp_error_says_what_httpx_would_about_the_request(case: str) -> None:
    error, expected, may_have_left = CASES[case]
    mapped = httpx_error(error, REQUEST)
    assert type(mapped) is expected
    assert mapped.request is REQUEST
    assert str(mapped) == f"{type(error).__name__}: {error}"
    assert transport_error(mapped, "CreateMessage", URL).request_sent is may_have_left


def test_a_failure_that_is_not_aiohttps_nor_the_networks_is_left_alone() -> None:
    assert httpx_error(ValueError("a bug"), REQUEST) is None
    assert httpx_error(asyncio.CancelledError(), REQUEST) is None


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer(answer_valid(), cap=20) as hostile:
        yield hostile


async def test_it_sends_and_closes_cleanly(server: HostileServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unclosed session or connector warns
        async with AioHttpClient() as http:
            async with AsyncVolt(token="tok_test", base_url=server.url, http_client=http) as volt:
                message = await volt.get_message("m1")
            assert isinstance(message, Message)
            assert not http.is_closed
        assert http.is_closed
    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer tok_test"
    assert request.headers["accept-encoding"] == "gzip, deflate"
    assert request.headers["user-agent"].startswith("volt-sdk-python/")
    assert request.headers["content-type"] == "application/json"
    assert request.json["operationName"] == "GetMessage"


async def test_a_closed_client_refuses_to_send() -> None:
    http = AioHttpClient()
    await http.aclose()
    with pytest.raises(RuntimeError):
        await http.post("http://127.0.0.1:9/graphql")


async def test_nothing_left_of_the_deadline_sends_nothing(server: HostileServer) -> None:
    async with AioHttpClient() as http:
        with (
            _concurrency.deadline(_concurrency.monotonic() - 1),
            pytest.raises(_concurrency.DeadlineExceededError),
        ):
            await http.post(server.url, content=b"{}")
    assert server.requests == []


async def test_the_deadline_bounds_the_whole_exchange() -> None:
    def trickle(exchange: Any) -> None:
        exchange.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        exchange.drip(b"x" * 100, interval=0.1)

    with HostileServer(trickle, cap=20) as slow:
        async with AioHttpClient(timeout=5) as http:

            async def fetch() -> bytes:
                response = await http.post(slow.url, content=b"{}")
                return await response.aread()  # 10 s of dripping without the deadline

            with (
                _concurrency.deadline(_concurrency.monotonic() + 0.5),
                pytest.raises(_concurrency.DeadlineExceededError),
            ):
                await fetch()


def test_the_default_timeout_is_the_sdks() -> None:
    assert AioHttpClient().timeout == DEFAULT_TIMEOUT


@pytest.mark.parametrize("option", ["transport", "mounts", "http2", "app", "proxies"])
def test_what_would_replace_aiohttp_is_refused(option: str) -> None:
    options: dict[str, Any] = {option: None}
    with pytest.raises(TypeError, match=option):
        AioHttpClient(**options)


def transport_of(client: httpx.AsyncClient) -> AioHttpTransport:
    transport = client._transport  # pyright: ignore[reportPrivateUsage]
    assert isinstance(transport, AioHttpTransport)
    return transport


async def test_its_pool_grows_to_the_work_unless_limits_were_given(
    server: HostileServer,
) -> None:
    sized = AioHttpClient()
    fixed = AioHttpClient(limits=httpx.Limits(max_connections=10))
    AsyncVolt(http_client=sized, max_concurrency=150)
    AsyncVolt(http_client=fixed, max_concurrency=150)
    assert transport_of(sized)._connections == 150  # pyright: ignore[reportPrivateUsage]
    assert transport_of(fixed)._connections == 10  # pyright: ignore[reportPrivateUsage]
    # Once its session exists, aiohttp's connector takes the new size.
    await sized.post(server.url, content=b"{}")
    transport_of(sized).widen_pool(300)
    transport_of(sized).widen_pool(200)  # never narrowed
    session = transport_of(sized)._session  # pyright: ignore[reportPrivateUsage]
    assert session is not None
    assert session.connector is not None
    assert session.connector.limit == 300
    await sized.aclose()
    await fixed.aclose()


def test_without_aiohttp_the_error_says_which_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['aiohttp'] = None\n"
        "import volt_sdk\n"
        "try:\n"
        "    volt_sdk.AioHttpClient\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "pip install 'volt-sdk[aiohttp]'" in done.stdout


async def test_the_sdks_requests_go_straight_to_aiohttp_and_keep_httpxs_answer(
    server: HostileServer,
) -> None:
    async with AioHttpClient() as http:
        request = http.build_request("POST", server.url, content=b"{}")
        response = await http.send(request, auth=BearerAuth("tok_direct"))
        assert response.request is request
        assert response.is_closed
        assert response.json()["data"]["message"]["id"]
        assert response.elapsed.total_seconds() >= 0
        assert request.extensions["timeout"] == DEFAULT_TIMEOUT.as_dict()
    assert server.requests[0].headers["authorization"] == "Bearer tok_direct"


async def test_event_hooks_still_run(server: HostileServer) -> None:
    seen: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        seen.append(f"request {request.headers['authorization']}")

    async def on_response(response: httpx.Response) -> None:
        seen.append(f"response {response.status_code}")

    hooks = {"request": [on_request], "response": [on_response]}
    async with (
        AioHttpClient(event_hooks=hooks) as http,
        AsyncVolt(token="tok_hooked", base_url=server.url, http_client=http) as volt,
    ):
        await volt.get_message("m1")
    assert seen == ["request Bearer tok_hooked", "response 200"]


async def test_cookies_the_server_sets_are_kept_and_sent_back() -> None:
    valid = answer_valid()

    def with_cookie(exchange: Any) -> None:
        if "cookie" in exchange.request.headers:
            valid(exchange)
            return
        body = b'{"errors": [{"message": "again"}]}'
        exchange.send(
            b"HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; Path=/\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )

    with HostileServer(with_cookie, cap=20) as cookie_server:
        async with AioHttpClient() as http:
            request = http.build_request("POST", cookie_server.url, content=b"{}")
            await http.send(request, auth=BearerAuth("tok_x"))
            assert http.cookies["session"] == "abc"
            request = http.build_request("POST", cookie_server.url, content=b"{}")
            await http.send(request, auth=BearerAuth("tok_x"))
        assert cookie_server.requests[1].headers["cookie"] == "session=abc"


def test_proxies_from_the_environment_are_read_once_and_no_proxy_is_honoured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.setenv("NO_PROXY", "sandbox.example.test")
    transport = AioHttpTransport()
    proxied = transport._env_proxy(httpx.URL("https://api.example.test/graphql"))  # pyright: ignore[reportPrivateUsage]
    assert proxied is not None
    assert proxied.url == httpx.URL("http://proxy.example.test:3128")
    assert transport._env_proxy(httpx.URL("https://sandbox.example.test/")) is None  # pyright: ignore[reportPrivateUsage]
    assert transport._env_proxy(httpx.URL("http://api.example.test/")) is None  # pyright: ignore[reportPrivateUsage]
    assert AioHttpTransport(trust_env=False)._env_proxy(URL) is None  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize("timeout", [httpx.USE_CLIENT_DEFAULT, 3.0])
def test_the_short_way_builds_the_request_httpx_would(timeout: Any) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "volt-sdk-python/x"}
    fast = AioHttpClient(headers={"X-Tenant": "t1"})
    plain = httpx.AsyncClient(headers={"X-Tenant": "t1"}, timeout=DEFAULT_TIMEOUT)
    ours = fast.build_request("POST", URL, content=b"{}", headers=headers, timeout=timeout)
    theirs = plain.build_request("POST", URL, content=b"{}", headers=headers, timeout=timeout)
    assert (ours.method, ours.url, ours.content) == (theirs.method, theirs.url, theirs.content)
    assert sorted(ours.headers.multi_items()) == sorted(theirs.headers.multi_items())
    assert ours.extensions == theirs.extensions


def test_anything_else_is_built_by_httpx() -> None:
    fast = AioHttpClient(base_url="https://api.example.test", params={"a": "1"})
    request = fast.build_request("POST", "/graphql", json={"q": 1}, headers={"X": "y"})
    assert request.url == httpx.URL("https://api.example.test/graphql?a=1")
    assert request.headers["x"] == "y"
    # httpx's own JSON: b'{"q":1}' from 0.28, b'{"q": 1}' before.
    assert request.content == httpx.Request("POST", "https://x.test", json={"q": 1}).content
    assert json.loads(request.content) == {"q": 1}


def test_a_client_serves_the_event_loop_of_its_first_request(server: HostileServer) -> None:
    http = AioHttpClient()

    async def post() -> int:
        response = await http.post(server.url, content=b"{}")
        return response.status_code

    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        assert first.run_until_complete(post()) == 200
        with pytest.raises(RuntimeError, match="one AioHttpClient per event loop"):
            second.run_until_complete(post())
        first.run_until_complete(http.aclose())
    finally:
        first.close()
        second.close()
