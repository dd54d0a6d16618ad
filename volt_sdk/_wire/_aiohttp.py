"""httpx's interface over aiohttp's connections: :class:`AioHttpClient`.

``AsyncVolt(http_client=AioHttpClient())`` keeps everything httpx-shaped (the
executor, the errors, event hooks, mocks of the request) and moves the socket
work to aiohttp, whose pool and HTTP parser cost a fraction of httpcore's CPU at
high concurrency (docs/benchmarks.md). Needs the ``aiohttp`` extra.

What the SDK promises holds here as on its own httpx transport:

- **never sent twice**: every aiohttp failure becomes the httpx error that says
  the same about the request. Only a failure to *connect* (or to get a
  connection in time) means it never left; a connection lost, reset or timed out
  after that, or an answer that cannot be parsed, may have reached Volt;
- **the deadline**: each request runs under aiohttp's ``total`` timeout, cut to
  what is left of the call's deadline, which bounds the whole exchange, body
  included; a server that trickles bytes is cut off there;
- **the size cap**: bodies are handed over raw (aiohttp does not decompress
  them), so the executor's capped reader decompresses and counts them.
"""

from __future__ import annotations

import asyncio
import datetime
import math
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final, cast

import httpx

try:
    import aiohttp
except ImportError as exc:  # pragma: no cover - tested in a venv without the extra
    raise ImportError(
        "volt_sdk.AioHttpClient needs aiohttp: pip install 'volt-sdk[aiohttp]'"
    ) from exc

from volt_sdk import _concurrency
from volt_sdk._config import DEFAULT_TIMEOUT, BearerAuth

from ._async_deadline import DEFAULT_CONNECTIONS

__all__ = ["AioHttpClient", "AioHttpTransport", "httpx_error"]

#: Seconds before the deadline at which a timeout still counts as the deadline's.
_TIMER_SLACK: Final = 0.001


def httpx_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    """The httpx error that says what aiohttp's ``exc`` says about ``request``, if any.

    Only a failure to connect (or to get a connection in time) means that the
    request never left (ConnectError, ConnectTimeout, UnsupportedProtocol); anything
    after the connection was made may have reached the server. Most specific first.
    """
    errors: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
        (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
        (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
        (aiohttp.ClientConnectorError, httpx.ConnectError),
        (aiohttp.ClientHttpProxyError, httpx.ProxyError),
        (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
        (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
        (aiohttp.ClientPayloadError, httpx.ReadError),
        (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
        (asyncio.TimeoutError, httpx.ReadTimeout),
        (aiohttp.ClientError, httpx.ReadError),
        (OSError, httpx.ReadError),
    )
    for aiohttp_type, httpx_type in errors:
        if isinstance(exc, aiohttp_type):
            return httpx_type(f"{type(exc).__name__}: {exc}", request=request)
    return None


class AioHttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends over an :class:`aiohttp.ClientSession`.

    The session is made on the first request, in the event loop that runs it,
    and serves that loop only.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | str | bool = True,
        cert: str | tuple[str, str] | None = None,
        trust_env: bool = True,
        limits: httpx.Limits | None = None,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
    ) -> None:
        self._ssl = httpx.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)
        #: Set by the user (kept) or left to the SDK (widened to the work).
        self._sized_by_sdk = limits is None
        limits = limits or httpx.Limits(max_connections=DEFAULT_CONNECTIONS)
        self._connections = limits.max_connections or 0  # aiohttp: 0 is no limit
        self._keepalive = limits.keepalive_expiry
        self._proxy = httpx.Proxy(proxy) if isinstance(proxy, (str, httpx.URL)) else proxy
        # The environment's proxies, read once (aiohttp's trust_env reads them, and
        # netrc, in a thread on every request); which one a host takes is cached.
        self._env_proxies = urllib.request.getproxies() if trust_env and proxy is None else {}
        self._proxy_of: dict[tuple[str, str], httpx.Proxy | None] = {}
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def widen_pool(self, connections: int) -> None:
        """Hold at least ``connections`` at once, unless the limits were given."""
        if not self._sized_by_sdk:
            return
        self._connections = max(self._connections, connections)
        if self._session is not None:
            connector = self._session.connector
            # aiohttp reads the limit on every acquire; it has no public setter.
            connector._limit = self._connections  # type: ignore[union-attr]

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this AioHttpClient was closed")
        connector = aiohttp.TCPConnector(
            limit=self._connections,
            limit_per_host=0,
            keepalive_timeout=self._keepalive if self._keepalive is not None else 0,
            ssl=self._ssl,
        )
        self._loop = asyncio.get_running_loop()
        self._session = aiohttp.ClientSession(
            connector=connector,
            trust_env=False,  # the proxies are read here, once
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self._open()
        if self._loop is not asyncio.get_running_loop():
            raise RuntimeError(
                "this AioHttpClient was first used in another event loop, and its "
                "connections belong to that one: make one AioHttpClient per event loop"
            )
        timeouts: Mapping[str, float | None] = request.extensions.get("timeout", {})
        total = _concurrency.cut_to_deadline(None)  # raises when nothing is left
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=timeouts.get("pool"),
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
            # aiohttp rounds a timeout over ceil_threshold up to a whole second of
            # the loop's clock: the deadline could run up to a second late.
            ceil_threshold=math.inf,
        )
        proxy = self._proxy or self._env_proxy(request.url)
        raw_headers = request.headers.raw
        try:
            response = await session.request(
                request.method,
                str(request.url),
                # httpx keeps headers as bytes: the names and values it would send.
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers],
                data=_body(request),
                allow_redirects=False,
                timeout=timeout,
                server_hostname=request.extensions.get("sni_hostname"),
                proxy=str(proxy.url) if proxy else None,
                proxy_auth=aiohttp.BasicAuth(*proxy.auth) if proxy and proxy.auth else None,
                proxy_headers=proxy.headers.multi_items() if proxy else None,
            )
        except Exception as exc:
            raise _mapped(exc, request) from None
        body = _ResponseStream(response, request)
        answer = httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=body,
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("ascii", "replace"),
            },
        )
        body.answer = answer
        return answer

    def _env_proxy(self, url: httpx.URL) -> httpx.Proxy | None:
        if not self._env_proxies:
            return None
        key = (url.scheme, url.host)
        if key not in self._proxy_of:
            address = self._env_proxies.get(url.scheme)
            if address is None or urllib.request.proxy_bypass(url.host):
                self._proxy_of[key] = None
            else:
                self._proxy_of[key] = httpx.Proxy(address)
        return self._proxy_of[key]

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()


class _ResponseStream(httpx.AsyncByteStream):
    __slots__ = ("_request", "_response", "_started", "answer")

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self._started = time.perf_counter()
        #: The httpx response this stream is the body of: its ``elapsed`` is set on close
        #: (httpx's own send path sets it again, to the same effect).
        self.answer: httpx.Response | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    return
                yield chunk
        except Exception as exc:
            raise _mapped(exc, self._request) from None

    async def aclose(self) -> None:
        # Back to the pool when read to the end; closed otherwise.
        self._response.release()
        if self.answer is not None:
            self.answer.elapsed = datetime.timedelta(seconds=time.perf_counter() - self._started)


def _body(request: httpx.Request) -> bytes | AsyncIterator[bytes] | None:
    try:
        return request.content or None
    except httpx.RequestNotRead:
        request.headers.pop("transfer-encoding", None)  # aiohttp chunks it itself
        return _chunks(request.stream)


async def _chunks(stream: object) -> AsyncIterator[bytes]:
    assert isinstance(stream, httpx.AsyncByteStream)
    async for chunk in stream:
        yield chunk


def _mapped(exc: Exception, request: httpx.Request) -> Exception:
    """``exc`` as the httpx error (or the deadline) that says what it means.

    A timeout other than the connect phase's, once the call's deadline is reached,
    is aiohttp's ``total``: the deadline (the loop's timer may fire a hair early).
    """
    if isinstance(exc, asyncio.TimeoutError) and not isinstance(
        exc, aiohttp.ConnectionTimeoutError
    ):
        at = _concurrency.DEADLINE.get()
        if at is not None and _concurrency.monotonic() >= at - _TIMER_SLACK:
            return _concurrency.DeadlineExceededError()
    return httpx_error(exc, request) or exc


class AioHttpClient(httpx.AsyncClient):
    """An :class:`httpx.AsyncClient` whose connections are aiohttp's (the ``aiohttp`` extra).

    For high concurrency::

        from volt_sdk import AioHttpClient, AsyncVolt

        async with AioHttpClient() as http, AsyncVolt(http_client=http, max_concurrency=64) as volt:
            await volt.send_message(to="+15555550145", from_="+15555550123", body="Hi")

    The SDK's promises hold over it as over httpx's own transport: the call's
    deadline cuts off a server that trickles its answer, the size cap holds, and
    a failure is classed as "never left" only when no connection was made.
    HTTP/1.1 only. The client belongs to the event loop of its first request.
    Unlike a client of your own, ``AsyncVolt`` sizes its pool to the work
    (``max_concurrency``, ``send_many``'s ``concurrency``) unless you pass
    ``limits``; close it yourself (``await client.aclose()``, or ``async with``).

    Args:
        timeout: as for httpx. Default: the SDK's (30 s, 10 s to connect).
        limits: ``max_connections`` and ``keepalive_expiry`` apply. Default:
            100 connections, widened to what ``AsyncVolt`` is told to run at once.
        verify: TLS verification, as for httpx.
        cert: a client certificate, as for httpx.
        trust_env: read proxies and TLS settings from the environment.
        proxy: an HTTP proxy's URL (or :class:`httpx.Proxy`).
        **kwargs: any other :class:`httpx.AsyncClient` argument (``headers``,
            ``event_hooks``, ...), except ``transport``, ``mounts`` and ``http2``.
    """

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        limits: httpx.Limits | None = None,
        verify: ssl.SSLContext | str | bool = True,
        cert: str | tuple[str, str] | None = None,
        trust_env: bool = True,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
        **kwargs: Any,
    ) -> None:
        refused = sorted({"transport", "mounts", "http2", "app", "proxies"} & kwargs.keys())
        if refused:
            raise TypeError(f"AioHttpClient() does not take {', '.join(refused)}")
        self._aiohttp = AioHttpTransport(
            verify=verify, cert=cert, trust_env=trust_env, limits=limits, proxy=proxy
        )
        super().__init__(timeout=timeout, trust_env=trust_env, transport=self._aiohttp, **kwargs)

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Request:
        """As :meth:`httpx.AsyncClient.build_request`; the SDK's requests the short way.

        A request of bytes and a dict of headers to an absolute URL, from a client
        with no cookies nor query parameters of its own, has nothing else to
        merge: its headers are laid over the client's without httpx's general
        merge (about a tenth of the CPU of a whole exchange).
        """
        passed: Any = headers
        given = cast("dict[str, str]", headers) if type(headers) is dict else None
        if (
            given is not None
            and isinstance(content, bytes)
            and isinstance(url, httpx.URL)
            and url.is_absolute_url
            and data is files is json is params is cookies is extensions is None
            and not self.cookies
            and not self.params
        ):
            merged = dict(self.headers.items())
            for name, value in given.items():
                merged[name.lower()] = value
            chosen = self.timeout if timeout is httpx.USE_CLIENT_DEFAULT else httpx.Timeout(timeout)
            return httpx.Request(
                method,
                url,
                content=content,
                headers=merged,
                extensions={"timeout": chosen.as_dict()},
            )
        return super().build_request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=passed,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: httpx.Auth | Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: bool | Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """As :meth:`httpx.AsyncClient.send`; straight to aiohttp when nothing needs httpx.

        httpx's own path (event hooks, cookies, redirects, auth flows) costs about
        as much CPU per request as aiohttp's whole exchange; the SDK's requests need
        none of it unless you set some: its token is applied here directly.
        """
        hooks = self.event_hooks
        if (
            not isinstance(auth, BearerAuth)
            or self.auth is not None
            or self.follow_redirects
            or hooks["request"]
            or hooks["response"]
            or self.cookies
            or self.is_closed
            or follow_redirects is True
        ):
            return await super().send(
                request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        request.extensions.setdefault("timeout", self.timeout.as_dict())
        auth.apply(request)
        response = await self._aiohttp.handle_async_request(request)
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(response)
        if not stream:
            try:
                await response.aread()
            finally:
                await response.aclose()
        return response
