"""A validation error on one of the SDK's own operations is named for what it is:
Volt's schema moved (:class:`SchemaDriftError`), with the commands that show how.

The messages are the ones graphql-core (the reference implementation, which the
sandbox also runs) gives when our real documents meet a schema that lost a
field, an argument or a type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema, parse, validate
from pytest_httpx import HTTPXMock

from tests.payloads import URL
from volt_sdk import GraphQLError, SchemaDriftError, Volt
from volt_sdk._errors import GraphQLErrorDetail
from volt_sdk._wire import decode
from volt_sdk._wire._response import is_schema_drift

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = (ROOT / "queries" / "schema.graphql").read_text("utf-8")


def get_message_document() -> str:
    from volt_sdk_graphql import client

    source = Path(client.__file__).read_text("utf-8")
    start = source.index("query GetMessage")
    return source[start : source.index('"""', start)]


def graphql_core_messages(sdl: str) -> list[str]:
    """What graphql-core says of our GetMessage document against ``sdl``."""
    return [e.message for e in validate(build_schema(sdl), parse(get_message_document()))]


DRIFTS = {
    "a field we select is gone": SCHEMA.replace("  legacyId: String ", "  ", 1),
    "an argument became required": SCHEMA.replace(
        "message(id: ID!): Message", "message(id: ID!, organizationId: ID!): Message", 1
    ),
    "an argument is gone": SCHEMA.replace("message(id: ID!): Message", "message: Message", 1),
    "an argument changed type": SCHEMA.replace(
        "message(id: ID!): Message", "message(id: Int!): Message", 1
    ),
}


@pytest.mark.parametrize("what", list(DRIFTS))
def test_every_kind_of_drift_graphql_core_reports_is_recognised(what: str) -> None:
    messages = graphql_core_messages(DRIFTS[what])
    assert messages, f"the fixture does not break GetMessage: {what}"
    assert all(is_schema_drift(GraphQLErrorDetail(message=m)) for m in messages), messages


@pytest.mark.parametrize(
    "message",
    [
        "Contact is blocked",
        "Invalid phone number: +15555550145",
        "Variable '$id' got invalid value 7; ID cannot represent value: 7",
        "Internal server error",
    ],
)
def test_errors_about_values_or_the_server_are_no_drift(message: str) -> None:
    assert not is_schema_drift(GraphQLErrorDetail(message=message))


def test_a_validation_code_counts_as_drift_whatever_the_words() -> None:
    detail = GraphQLErrorDetail(message="bad", extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
    assert is_schema_drift(detail)


def answer(status: int, errors: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(status, json={"errors": errors}, request=httpx.Request("POST", URL))


@pytest.mark.parametrize("status", [200, 400, 422])
def test_only_the_sdks_own_documents_raise_schema_drift(status: int) -> None:
    messages = graphql_core_messages(DRIFTS["a field we select is gone"])
    response = answer(status, [{"message": m} for m in messages])
    with pytest.raises(SchemaDriftError) as ours:
        decode(response, response.content, "GetMessage", generated=True)
    assert ours.value.messages == messages
    assert ours.value.operation == "GetMessage"
    assert "run `volt schema pull` and `volt schema diff`" in str(ours.value)
    with pytest.raises(GraphQLError) as theirs:
        decode(response, response.content, "GetMessage", generated=False)
    assert type(theirs.value) is GraphQLError
    with pytest.raises(GraphQLError) as by_default:  # a document is the caller's unless said
        decode(response, response.content, "GetMessage")
    assert type(by_default.value) is GraphQLError


def test_schema_drift_keeps_the_partial_data() -> None:
    response = httpx.Response(
        200,
        json={"data": {"message": None}, "errors": [{"message": "Unknown type 'X'."}]},
        request=httpx.Request("POST", URL),
    )
    with pytest.raises(SchemaDriftError) as caught:
        decode(response, response.content, "GetMessage", generated=True)
    assert caught.value.data == {"message": None}


def test_a_mix_of_drift_and_other_errors_is_still_drift() -> None:
    response = answer(200, [{"message": "Contact is blocked"}, {"message": "Unknown type 'X'."}])
    with pytest.raises(SchemaDriftError):
        decode(response, response.content, "GetMessage", generated=True)


def test_the_client_raises_schema_drift_for_its_own_operation(httpx_mock: HTTPXMock) -> None:
    messages = graphql_core_messages(DRIFTS["an argument became required"])
    httpx_mock.add_response(url=URL, status_code=400, json={"errors": [{"message": messages[0]}]})
    with Volt() as volt, pytest.raises(SchemaDriftError) as caught:
        volt.get_message("msg_1")
    assert isinstance(caught.value, GraphQLError)
    assert caught.value.status_code == 400
