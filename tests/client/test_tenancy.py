"""Per-tenant and per-call settings: ``with_options(token=, default_headers=)``, a token
callable (rotation), ``app_info``, and ``default_headers``, on both clients.

Each tenant's copy shares the parent's connections and concurrency cap but sends
its own token and gets its own rate-limit bucket; a rotated token is asked for at
every attempt and never shows in an error.
"""

from __future__ import annotations

import inspect
import itertools
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.hostile.behaviours import answer_valid
from tests.hostile.server import HostileServer
from tests.payloads import FROM, TO, URL, message_data
from tests.transports import AsyncVoltOverAiohttp
from volt_sdk import (
    AsyncVolt,
    ConfigurationError,
    MessageOutcomeUnknownError,
    Volt,
    VoltConnectionError,
    __version__,
)
from volt_sdk._config import RECENT_TOKENS, BearerAuth

pytestmark = pytest.mark.anyio

CLIENTS = [Volt, AsyncVolt]
ClientClass = type[Volt] | type[AsyncVolt]

ROOT = "tok_root_6f1e0c3a9b2d4e5f"
ACME = "tok_acme_0a9b8c7d6e5f4a3b"
GLOBEX = "tok_globex_1b2c3d4e5f6a7b8c"

MESSAGE = {"data": {"message": message_data()}}
SENT = {"data": {"createMessage": message_data()}}


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def close(client: Volt | AsyncVolt) -> None:
    await resolve(client.close())


async def get_message(client: Volt | AsyncVolt) -> Any:
    return await resolve(client.get_message("msg_1"))


async def send(client: Volt | AsyncVolt) -> Any:
    return await resolve(client.send_message(to=TO, from_=FROM, body="hi"))


def bearers(requests: list[httpx.Request]) -> list[str]:
    return [r.headers["authorization"].removeprefix("Bearer ") for r in requests]


def shown(error: BaseException) -> str:
    """Everything a user could see of ``error``: its text, repr and full traceback."""
    return "".join(traceback.format_exception(error)) + repr(error)


class Rotation:
    """A token callable that returns ``tokens`` in turn (the last one forever), counting calls."""

    def __init__(self, *tokens: object) -> None:
        self._tokens: Iterator[object] = itertools.chain(tokens, itertools.repeat(tokens[-1]))
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        value = next(self._tokens)
        if isinstance(value, BaseException):
            raise value
        return value  # type: ignore[return-value]  # a test hands back what it means to


# -- with_options(token=...): tenants over one pool -----------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_two_tenants_interleaved_each_send_their_own_token_over_the_same_pool(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE, is_reusable=True)
    parent = client_class(token=ROOT)
    acme = parent.with_options(token=ACME)
    globex = acme.with_options(token=GLOBEX)
    try:
        for client in (parent, acme, globex, parent, acme, globex):
            await get_message(client)
        assert acme._http is parent._http
        assert globex._http is parent._http
        assert acme._gate is parent._gate
        await close(acme)
        await close(globex)
        assert not parent._http.is_closed
        await get_message(parent)  # the parent's connections still work
    finally:
        await close(parent)
    assert parent._http.is_closed
    assert bearers(httpx_mock.get_requests()) == [ROOT, ACME, GLOBEX, ROOT, ACME, GLOBEX, ROOT]


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_copy_without_token_keeps_the_parents_token(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE, is_reusable=True)
    parent = client_class(token=ROOT)
    try:
        await get_message(parent.with_options(max_retries=0))
        await get_message(parent.with_options(token=ACME).with_options(deadline=5))
    finally:
        await close(parent)
    assert bearers(httpx_mock.get_requests()) == [ROOT, ACME]


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize(
    "token",
    [None, 42, b"tok_bytes", "", "   ", "tok en", "tok\r\nX-Evil: 1", "tok\u00e9"],
    ids=repr,
)
async def test_with_options_refuses_a_token_that_cannot_work_naming_it_without_showing_it(
    client_class: ClientClass, token: object
) -> None:
    parent = client_class(token=ROOT)
    try:
        with pytest.raises(ConfigurationError) as info:
            parent.with_options(token=token)  # type: ignore[arg-type]
    finally:
        await close(parent)
    assert str(info.value).startswith("token: ")
    if isinstance(token, str) and token.strip():
        assert token.strip()[:3] not in shown(info.value).replace("token", "")


# -- the rate limit: per organization ------------------------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_copy_with_another_token_gets_its_own_bucket_at_the_same_rate(
    client_class: ClientClass,
) -> None:
    parent = client_class(token=ROOT, max_rate=5)
    try:
        bucket = parent._wire.bucket
        assert bucket is not None
        assert parent.with_options(max_retries=0)._wire.bucket is bucket
        assert parent.with_options(default_headers={"X-A": "1"})._wire.bucket is bucket
        assert parent.with_options(token=ROOT)._wire.bucket is bucket  # same organization
        tenant = parent.with_options(token=ACME)._wire.bucket
        assert tenant is not None
        assert tenant is not bucket
        assert (tenant.rate, tenant.burst) == (bucket.rate, bucket.burst)
        rotating = Rotation(ACME)
        copy = parent.with_options(token=rotating)
        assert copy._wire.bucket is not bucket
        assert copy.with_options(token=rotating)._wire.bucket is copy._wire.bucket
    finally:
        await close(parent)
    unlimited = client_class(token=ROOT)
    try:
        assert unlimited.with_options(token=ACME)._wire.bucket is None
    finally:
        await close(unlimited)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_another_tenant_does_not_wait_for_the_parents_rate_limit_but_a_plain_copy_does(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=SENT, is_reusable=True)
    parent = client_class(token=ROOT, max_rate=1)
    try:
        tenant = parent.with_options(token=ACME)
        await send(parent)  # the parent's one message of this second
        await send(tenant)  # the tenant's own
        assert fake_clock.sleeps == []
        await send(parent.with_options(max_retries=0))  # the parent's organization again
        assert fake_clock.sleeps == [pytest.approx(1.0)]
    finally:
        await close(parent)
    assert bearers(httpx_mock.get_requests()) == [ROOT, ACME, ROOT]


# -- a token callable: rotation --------------------------------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_token_callable_is_asked_at_every_attempt_so_a_retry_sends_the_rotated_token(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, json=MESSAGE, is_reusable=True)
    rotation = Rotation("tok_A_1111", "tok_B_2222", "tok_C_3333")
    client = client_class(token=rotation)
    try:
        copy = client.with_options(max_retries=1)
        assert rotation.calls == 0  # never at construction, nor by with_options
        await get_message(copy)  # 503 with token A, then the retry with token B
        assert rotation.calls == 2
        await get_message(client)  # the next call: the next token
    finally:
        await close(client)
    assert bearers(httpx_mock.get_requests()) == ["tok_A_1111", "tok_B_2222", "tok_C_3333"]
    assert rotation.calls == 3


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_tenant_copy_may_rotate_its_token_too(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE, is_reusable=True)
    parent = client_class(token=ROOT)
    try:
        tenant = parent.with_options(token=Rotation(" tok_A_1111 \n", "tok_B_2222"))
        await get_message(tenant)
        await get_message(parent)
        await get_message(tenant)
    finally:
        await close(parent)
    assert bearers(httpx_mock.get_requests()) == ["tok_A_1111", ROOT, "tok_B_2222"]


BAD_RETURNS = [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("tok_secret_0123 4567", id="space"),
    pytest.param("tok_secret_0123\r\nX-Evil: 1", id="crlf"),
    pytest.param("tok_secret_0123\u00e9", id="non-ascii"),
    pytest.param(None, id="None"),
    pytest.param(12345678, id="int"),
    pytest.param(b"tok_secret_0123", id="bytes"),
    pytest.param(RuntimeError("vault unreachable"), id="raises"),
]


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("returned", BAD_RETURNS)
async def test_a_token_callable_that_fails_is_a_configuration_error_and_nothing_is_sent(
    httpx_mock: HTTPXMock, client_class: ClientClass, returned: object
) -> None:
    rotation = Rotation(returned)
    client = client_class(token=rotation, max_retries=2)
    try:
        with pytest.raises(ConfigurationError) as info:
            await send(client)  # a mutation: it must not be "outcome unknown"
    finally:
        await close(client)
    assert httpx_mock.get_requests() == []
    assert not isinstance(info.value, MessageOutcomeUnknownError)
    assert str(info.value).startswith("token: the token callable ")
    assert rotation.calls == 1  # not retried: asking again would fail again
    assert "tok_secret" not in shown(info.value)
    if isinstance(returned, BaseException):
        assert "RuntimeError" in str(info.value)
        assert info.value.__cause__ is returned  # the user's own error, to debug with


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_token_callable_whose_error_quotes_a_token_is_not_chained(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE)
    rotation = Rotation(ACME, KeyError(f"expired: {ACME}"))
    client = client_class(token=rotation)
    try:
        await get_message(client)
        with pytest.raises(ConfigurationError) as info:
            await get_message(client)
    finally:
        await close(client)
    assert len(httpx_mock.get_requests()) == 1
    assert info.value.__cause__ is None
    assert ACME not in shown(info.value)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_an_async_token_function_is_refused_at_once(client_class: ClientClass) -> None:
    async def token() -> str:
        return ACME

    with pytest.raises(ConfigurationError, match=r"^token: an async function"):
        client_class(token=token)  # type: ignore[arg-type]
    parent = client_class(token=ROOT)
    try:
        with pytest.raises(ConfigurationError, match=r"^token: an async function"):
            parent.with_options(token=token)  # type: ignore[arg-type]
    finally:
        await close(parent)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_token_callable_that_returns_an_awaitable_is_refused_without_a_warning(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    async def fetch() -> str:
        return ACME

    client = client_class(token=lambda: fetch())  # type: ignore[arg-type,return-value]
    try:
        with pytest.raises(ConfigurationError, match="awaitable"):
            await get_message(client)
    finally:
        await close(client)
    assert httpx_mock.get_requests() == []


# -- redaction of rotated tokens -------------------------------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_an_error_that_quotes_a_rotated_token_shows_neither_token(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    old, new = "tok_old_5a5a5a5a5a5a", "tok_new_7b7b7b7b7b7b"
    httpx_mock.add_response(url=URL, json=MESSAGE)
    httpx_mock.add_exception(httpx.ReadError(f"peer said: Bearer {old} is stale, not {new}"))
    client = client_class(token=Rotation(old, new), max_retries=0)
    try:
        await get_message(client)
        with pytest.raises(VoltConnectionError) as info:
            await get_message(client)
    finally:
        await close(client)
    text = shown(info.value)
    assert old not in text
    assert new not in text
    assert "***" in str(info.value)
    assert info.value.__cause__ is None  # httpx's exception quotes them: not chained


def test_the_auth_blanks_the_last_tokens_it_returned_and_forgets_older_ones() -> None:
    tokens = [f"tok_{n:04d}_{'x' * 12}" for n in range(RECENT_TOKENS + 4)]
    auth = BearerAuth(Rotation(*tokens))
    for token in tokens:
        assert auth.header() == f"Bearer {token}"
    text = " ".join(tokens)
    redacted = auth.redact(text)
    kept = tokens[-RECENT_TOKENS:]
    assert all(token not in redacted for token in kept)
    assert redacted.count("***") == RECENT_TOKENS
    assert auth.safe_cause(ValueError(kept[0])) is None
    plain = ValueError("nothing secret")
    assert auth.safe_cause(plain) is plain
    assert "tok_" not in repr(auth)


def test_a_token_that_contains_another_is_blanked_whole() -> None:
    auth = BearerAuth(Rotation("tok_abc", "tok_abcdef"))
    auth.header()
    auth.header()
    assert auth.redact("x tok_abcdef y tok_abc") == "x *** y ***"


# -- app_info --------------------------------------------------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_app_info_extends_the_user_agent(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE, is_reusable=True)
    client = client_class(app_info=("acme-crm", "2.1.0"))
    plain = client_class()
    try:
        await get_message(client)
        await get_message(client.with_options(token=ACME))  # copies keep it
        await get_message(plain)
    finally:
        await close(client)
        await close(plain)
    agents = [r.headers["user-agent"] for r in httpx_mock.get_requests()]
    ours = f"volt-sdk-python/{__version__}"
    assert agents == [f"{ours} acme-crm/2.1.0", f"{ours} acme-crm/2.1.0", ours]


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize(
    "app_info",
    [
        ("acme crm", "2.1.0"),
        ("acme/crm", "2.1.0"),
        ("acme", "2.1 beta"),
        ("", "2.1.0"),
        ("acme", ""),
        ("acm\u00e9", "1"),
        ("acme", "1\r\nX-Evil: 1"),
        ("acme", 2),
        ("acme",),
        ("acme", "1", "extra"),
        ["acme", "1"],
        "acme/1",
    ],
    ids=repr,
)
def test_app_info_that_cannot_go_in_a_user_agent_is_refused_naming_it(
    client_class: ClientClass, app_info: object
) -> None:
    with pytest.raises(ConfigurationError) as info:
        client_class(app_info=app_info)  # type: ignore[arg-type]
    assert str(info.value).startswith("app_info: ")
    assert "('acme-crm', '2.1.0')" in str(info.value)  # what was expected


# -- default_headers -------------------------------------------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_default_headers_go_with_every_request_and_a_copy_lays_its_own_over_them(
    httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(url=URL, json=MESSAGE, is_reusable=True)
    parent = client_class(default_headers={"X-Tenant": "root", "X-Region": "eu"})
    try:
        acme = parent.with_options(token=ACME, default_headers={"x-tenant": "acme", "X-Trace": "1"})
        agent = acme.with_options(default_headers={"User-Agent": "acme-gateway/3"})
        for client in (parent, acme, agent):
            await get_message(client)
    finally:
        await close(parent)
    first, second, third = httpx_mock.get_requests()
    assert first.headers["x-tenant"] == "root"
    assert "x-trace" not in first.headers
    assert second.headers["x-tenant"] == "acme"
    assert second.headers.get_list("x-tenant") == ["acme"]  # replaced, not sent twice
    assert second.headers["x-region"] == "eu"
    assert second.headers["x-trace"] == "1"
    assert third.headers["x-tenant"] == "acme"
    assert third.headers["user-agent"] == "acme-gateway/3"
    assert first.headers["user-agent"].startswith("volt-sdk-python/")
    for request in (first, second, third):
        assert request.headers["content-type"] == "application/json"


OWN_HEADERS = ["Authorization", "authorization", "Content-Type", "ACCEPT-ENCODING"]
OWN_HEADERS += ["Content-Length", "Host", "Transfer-Encoding"]


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("name", OWN_HEADERS)
async def test_default_headers_may_not_replace_the_clients_own_headers(
    client_class: ClientClass, name: str
) -> None:
    headers = {name: "tok_header_value_0123"}
    with pytest.raises(ConfigurationError) as built:
        client_class(default_headers=headers)
    parent = client_class()
    try:
        with pytest.raises(ConfigurationError) as copied:
            parent.with_options(default_headers=headers)
    finally:
        await close(parent)
    for info in (built, copied):
        assert str(info.value).startswith(f"default_headers[{name!r}]: ")
        assert "tok_header_value" not in shown(info.value)
    if name.lower() == "authorization":
        assert "token=" in str(built.value)


BAD_HEADERS: list[tuple[object, str]] = [
    ({"X-Secret": "tok_header_value\r\nX-Evil: 1"}, "default_headers['X-Secret']"),
    ({"X-Secret": "tok_header_value\n"}, "default_headers['X-Secret']"),
    ({"X-Secret": "tok_header_value\u00e9"}, "default_headers['X-Secret']"),
    ({"X-Number": 1}, "default_headers['X-Number']"),
    ({"X Tenant": "a"}, "default_headers['X Tenant']"),
    ({"X-Tenant:": "a"}, "default_headers['X-Tenant:']"),
    ({"": "a"}, "default_headers['']"),
    ({1: "a"}, "default_headers[1]"),
    ([("X-Tenant", "a")], "default_headers: "),
    ("X-Tenant: a", "default_headers: "),
]


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize(("headers", "named"), BAD_HEADERS, ids=[repr(h) for h, _ in BAD_HEADERS])
async def test_default_headers_that_cannot_be_sent_are_refused_naming_the_header(
    client_class: ClientClass, headers: object, named: str
) -> None:
    with pytest.raises(ConfigurationError) as built:
        client_class(default_headers=headers)  # type: ignore[arg-type]
    parent = client_class()
    try:
        with pytest.raises(ConfigurationError) as copied:
            parent.with_options(default_headers=headers)  # type: ignore[arg-type]
    finally:
        await close(parent)
    for info in (built, copied):
        assert str(info.value).startswith(named)
        assert "tok_header_value" not in shown(info.value)  # a value may be a secret


def test_default_header_values_lose_their_surrounding_spaces() -> None:
    with Volt(default_headers={"X-Tenant": "  acme  "}) as volt:
        assert volt._wire.headers["X-Tenant"] == "acme"


def test_a_later_change_to_the_callers_dict_does_not_reach_the_client() -> None:
    headers = {"X-Tenant": "acme"}
    with Volt(default_headers=headers) as volt:
        headers["X-Tenant"] = "globex"
        assert volt._wire.headers["X-Tenant"] == "acme"


# -- over aiohttp ----------------------------------------------------------------------------


async def test_aiohttp_sends_each_tenants_token_and_the_rotated_one() -> None:
    with HostileServer(answer_valid()) as server:
        rotation = Rotation("tok_A_1111", "tok_B_2222")
        client = AsyncVoltOverAiohttp(
            base_url=server.url, token=rotation, app_info=("acme-crm", "2.1.0")
        )
        try:
            tenant = client.with_options(token=ACME, default_headers={"X-Tenant": "acme"})
            await client.get_message("m1")
            await tenant.get_message("m1")
            await client.get_message("m1")
            assert tenant._http is client._http
        finally:
            await client.close()
        requests = server.requests
    assert [r.headers["authorization"] for r in requests] == [
        "Bearer tok_A_1111",
        f"Bearer {ACME}",
        "Bearer tok_B_2222",
    ]
    assert [r.headers.get("x-tenant") for r in requests] == [None, "acme", None]
    assert requests[0].headers["user-agent"].endswith(" acme-crm/2.1.0")


async def test_aiohttp_sends_nothing_when_the_token_callable_fails() -> None:
    with HostileServer(answer_valid()) as server:
        client = AsyncVoltOverAiohttp(base_url=server.url, token=Rotation("tok bad"))
        try:
            with pytest.raises(ConfigurationError, match=r"^token: the token callable"):
                await client.send_message(to=TO, from_=FROM, body="hi")
        finally:
            await client.close()
        assert server.requests == []


@pytest.mark.parametrize("method", [Volt, AsyncVolt, Volt.with_options, AsyncVolt.with_options])
def test_the_token_parameter_accepts_a_callable_in_every_signature(method: object) -> None:
    annotation = inspect.signature(method).parameters["token"].annotation  # type: ignore[arg-type]
    assert "Callable[[], str]" in str(annotation)


_: Callable[[], str] = Rotation(ACME)  # a Rotation is what token= takes
