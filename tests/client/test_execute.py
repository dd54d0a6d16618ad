"""``execute()``: any GraphQL document through the SDK's own executor, with its
auth, limits and the mutation-aware retry rule, on both clients."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import TOKEN, URL
from volt_sdk import (
    APIStatusError,
    AsyncVolt,
    GraphQLError,
    SchemaDriftError,
    ValidationError,
    Volt,
    VoltConnectionError,
)
from volt_sdk._client._documents import document_operation

from .both import CLIENTS, close, resolve

pytestmark = pytest.mark.anyio

WAVE = "query Wave($id: ID!) { wave(id: $id) { id name } }"


async def run(client_class: type[Volt] | type[AsyncVolt], *args: Any, **options: Any) -> Any:
    """``execute(*args)`` on a new client of ``client_class`` built with ``options``."""
    client = client_class(**options)
    try:
        return await resolve(client.execute(*args))
    finally:
        await close(client)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_query_is_sent_with_auth_and_its_data_returned_as_sent(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt]
) -> None:
    httpx_mock.add_response(url=URL, json={"data": {"wave": {"id": "w1", "name": "Spring"}}})
    data = await run(client_class, WAVE, {"id": "w1"}, "Wave")
    assert data == {"wave": {"id": "w1", "name": "Spring"}}
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {
        "query": WAVE,
        "operationName": "Wave",
        "variables": {"id": "w1"},
    }


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_without_an_operation_name_none_is_sent_and_variables_default_to_empty(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt]
) -> None:
    httpx_mock.add_response(url=URL, json={"data": {"account": None}})
    await run(client_class, "{ account { id } }")
    request = httpx_mock.get_request()
    assert request is not None
    assert json.loads(request.content) == {"query": "{ account { id } }", "variables": {}}


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_query_is_retried_after_a_503(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=503, text="busy")
    httpx_mock.add_response(url=URL, json={"data": {"wave": None}})
    assert await run(client_class, WAVE, {"id": "w1"}) == {"wave": None}
    assert len(httpx_mock.get_requests()) == 2


MUTATION = 'mutation Go { createWave(name: "x") { id } }'


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_mutation_is_never_resent_after_an_ambiguous_failure(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=503, text="busy")
    with pytest.raises(APIStatusError) as caught:
        await run(client_class, MUTATION)
    assert caught.value.status_code == 503
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_mutation_is_retried_when_it_surely_never_left(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    httpx_mock.add_response(url=URL, json={"data": {"createWave": {"id": "w9"}}})
    assert await run(client_class, MUTATION) == {"createWave": {"id": "w9"}}
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_mutation_that_never_connects_ends_as_a_connection_error(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    for _ in range(3):
        httpx_mock.add_exception(httpx.ConnectError("refused"))
    with pytest.raises(VoltConnectionError) as caught:
        await run(client_class, MUTATION)
    assert caught.value.request_sent is False


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_graphql_errors_raise_a_graphql_error_never_a_schema_drift_error(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt]
) -> None:
    message = "Cannot query field 'nope' on type 'Query'."
    httpx_mock.add_response(url=URL, status_code=400, json={"errors": [{"message": message}]})
    with pytest.raises(GraphQLError) as caught:
        await run(client_class, "{ nope }")
    assert not isinstance(caught.value, SchemaDriftError)
    assert caught.value.messages == [message]


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_each_create_message_of_a_mutation_counts_against_max_rate(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    document = (
        "mutation Two { a: createMessage(to: $t, from: $f, body: $b) { id } "
        "b: createMessage(to: $t, from: $f, body: $b) { id } }"
    )
    httpx_mock.add_response(url=URL, json={"data": {"a": {"id": "1"}, "b": {"id": "2"}}})
    httpx_mock.add_response(url=URL, json={"data": {"a": {"id": "3"}, "b": {"id": "4"}}})
    client = client_class(max_rate=1.0)
    try:
        for _ in range(2):
            await resolve(client.execute(document))
    finally:
        await close(client)
    # A burst of 1 token: the first call overdraws by 1 (waits 1 s), the second
    # finds the bucket 2 tokens short after that wait (waits 2 s).
    assert fake_clock.sleeps == [1.0, 2.0]


BAD_ARGUMENTS = [
    (("",), "query", "empty"),
    ((42,), "query", "wrong_type"),
    (("fragment F on Query { a }",), "query", "no_operation"),
    (("query A { a } query B { b }",), "operation_name", "ambiguous"),
    (("query A { a }", None, "B"), "operation_name", "not_found"),
    (("query A { a }", None, ""), "operation_name", "wrong_type"),
    (("subscription S { a }",), "query", "subscription"),
    (("{ a }", ["x"]), "variables", "wrong_type"),
    (("{ a }", {1: "x"}), "variables", "wrong_type"),
    (("{ a }", {"x": float("nan")}), "variables['x']", "not_json"),
    (("{ a }", {"x": {1, 2}}), "variables", "not_json"),
]


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize(("args", "argument", "reason"), BAD_ARGUMENTS)
async def test_bad_input_is_refused_with_the_argument_named_before_any_request(
    httpx_mock: HTTPXMock,
    client_class: type[Volt] | type[AsyncVolt],
    args: tuple[Any, ...],
    argument: str,
    reason: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        await run(client_class, *args)
    assert caught.value.argument == argument
    assert caught.value.reason == reason
    assert argument.partition("[")[0] in str(caught.value)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("document", "name", "is_mutation", "sends", "shown"),
    [
        ("{ a }", None, False, 0, "query"),
        ("query Q { a }", None, False, 0, "Q"),
        ("query { a }", None, False, 0, "query"),
        ("mutation M { createMessage { id } }", None, True, 1, "M"),
        ("mutation { createMessage { id } }", None, True, 1, "mutation"),
        # A keyword or a brace inside a comment or a string is not structure.
        ('# mutation X { createMessage }\nquery Q { a(s: "mutation { }") }', None, False, 0, "Q"),
        ('query Q { a(s: """ { mutation """) }', None, False, 0, "Q"),
        # A variable named like a keyword is no operation.
        ("query Q($query: String, $mutation: Int) { a }", None, False, 0, "Q"),
        # A fragment before the operation; the operation picked by name.
        ("fragment F on Q { a }\nmutation M { b { ...F } }", None, True, 0, "M"),
        ("query A { a }\nmutation B { createMessage { id } }", "B", True, 1, "B"),
        ("query A { a }\nmutation B { createMessage { id } }", "A", False, 0, "A"),
        # Unreadable (unbalanced braces): the safe side, a mutation.
        ("query Q { a { b }", None, True, 0, "mutation"),
        ("query Q { a } }", None, True, 0, "mutation"),
        # createMessage in a query is no send.
        ("query Q { createMessage }", None, False, 0, "Q"),
    ],
)
def test_the_document_scanner_tells_queries_from_mutations(
    document: str, name: str | None, is_mutation: bool, sends: int, shown: str
) -> None:
    op = document_operation(document, name)
    assert op.is_mutation is is_mutation
    assert op.rate_limited is (sends > 0)
    assert op.sends == max(1, sends)
    assert op.generated is False
    assert op.name == shown
    # The body names the operation only when the caller did.
    body = json.loads(op.body_prefix + b"{}}")
    assert body.get("operationName") == name
