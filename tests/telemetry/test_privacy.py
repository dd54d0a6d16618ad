"""Nothing exported holds the token, a message's text or a whole phone number.

Each scenario runs a send whose server echoes everything it was sent (the token
included) in its error texts; the test then reads every span name, attribute,
event attribute, status description and metric attribute that was exported.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, message_data
from volt_sdk import MessageOutcomeUnknownError, Volt, VoltError
from volt_sdk._config import BearerAuth
from volt_sdk._wire._request import Operation, Wire
from volt_sdk._wire._telemetry import CallSpan, start_call

from .conftest import ClientClass, Telemetry, send

# No run of digits: masking numbers must not be what hides it.
TOKEN = "volt-secret-token-abcdefghijklmnop"
BODY = "Your code is 654312, Alice Example"
MEDIA = "https://cdn.example.com/private/alice-selfie.jpg"
PASSTHROUGH = "crm-contact-alice-42"
SEND = {"data": {"createMessage": message_data(body=BODY)}}


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOLT_API_TOKEN", TOKEN)


def echo(status: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    """A server that quotes the request's token and variables in its error text."""

    def answer(request: httpx.Request) -> httpx.Response:
        variables = json.dumps(json.loads(request.content)["variables"])
        quoted = f"{request.headers.get('authorization')} {variables}"
        return httpx.Response(status, headers=headers, json={"errors": [{"message": quoted}]})

    return answer


def exported(otel: Telemetry) -> str:
    """Every text OpenTelemetry was given, one per line."""
    texts: list[str] = []
    for span in otel.spans():
        texts.append(span.name)
        texts.extend(str(v) for v in (span.attributes or {}).values())
        for event in span.events:
            texts.append(event.name)
            texts.extend(str(v) for v in (event.attributes or {}).values())
        texts.append(span.status.description or "")
    for point in otel.points():
        texts.extend(str(v) for v in point.attributes.values())
    return "\n".join(texts)


def assert_private(otel: Telemetry) -> str:
    text = exported(otel)
    for secret in (TOKEN, BODY, MEDIA, PASSTHROUGH, TO, FROM, TO[1:], FROM[1:], "654312"):
        assert secret not in text, (secret, text)
    assert "+*******0145" in text  # the masked recipient is there
    return text


def test_a_send_that_succeeds_exports_nothing_private(
    otel: Telemetry, httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_response(json=SEND)
    send(client_class, body=BODY, media=[MEDIA], passthrough=PASSTHROUGH)
    assert_private(otel)


def test_a_send_retried_after_a_429_exports_nothing_private(
    otel: Telemetry, httpx_mock: HTTPXMock, client_class: ClientClass, fake_clock: FakeClock
) -> None:
    httpx_mock.add_callback(echo(429, **{"Retry-After": "0"}))
    httpx_mock.add_response(json=SEND)
    send(client_class, body=BODY, media=[MEDIA], passthrough=PASSTHROUGH)

    text = assert_private(otel)
    assert "retry" in text
    (span,) = otel.spans()
    (event,) = span.events
    assert event.attributes is not None
    cause = str(event.attributes["volt.retry.cause"])
    # The server's echo is still there, blanked where it quoted the request.
    assert cause == (
        "CreateMessage: HTTP 429, rate limited by Volt; retry after 0s: Bearer *** "
        '{"to": "+*******0145", "from": "+*******0123", "body": "[redacted]", '
        '"media": ["[redacted]"], "passthrough": "[redacted]"}'
    )


def test_a_send_whose_outcome_is_unknown_exports_nothing_private(
    otel: Telemetry, httpx_mock: HTTPXMock, client_class: ClientClass
) -> None:
    httpx_mock.add_callback(echo(503))
    with pytest.raises(MessageOutcomeUnknownError):
        send(client_class, body=BODY, media=[MEDIA], passthrough=PASSTHROUGH)
    text = assert_private(otel)
    assert "outcome_unknown" in text


def test_a_graphql_error_quoting_numbers_shows_them_masked(
    otel: Telemetry, httpx_mock: HTTPXMock
) -> None:
    message = f"cannot send from {FROM} to {TO}: {BODY}"
    httpx_mock.add_response(json={"data": None, "errors": [{"message": message}]})
    with Volt() as volt, pytest.raises(Exception, match="cannot send"):
        volt.send_message(to=TO, from_=FROM, body=BODY)

    assert_private(otel)
    (span,) = otel.spans()
    assert span.status.description == (
        "CreateMessage: cannot send from +*******0123 to +*******0145: [redacted]"
    )


def test_a_short_body_is_not_blanked_out_of_error_texts(otel: Telemetry) -> None:
    # Blanking "hey" would blank it out of every word that holds it, and hide nothing.
    text = text_of({"to": TO, "body": "hey", "passthrough": "abcd"}, "they said hey; abcd")
    assert text == "they said hey; [redacted]"


def test_the_longest_secret_is_blanked_first(otel: Telemetry) -> None:
    variables = {"body": "code 654312", "media": ["code 654312 and more"]}
    assert text_of(variables, "got code 654312 and more") == "got [redacted]"


def test_an_error_of_another_kind_is_shown_by_its_class_only(otel: Telemetry) -> None:
    assert text_of({}, RuntimeError(f"{TOKEN} {TO}")) == "RuntimeError"


def test_the_token_is_blanked_wherever_an_error_quotes_it(otel: Telemetry) -> None:
    assert text_of({}, f"echo: Bearer {TOKEN}; {TOKEN}") == "echo: Bearer ***; ***"


class FakeWire:
    """What start_call reads of a Wire."""

    url = httpx.URL("https://api.respondflow.com/graphql")
    auth = BearerAuth(TOKEN)


def text_of(variables: dict[str, Any], error: str | BaseException) -> str:
    """What a call with ``variables`` would export of ``error``'s text."""
    op = Operation("mutation CreateMessage { x }", "CreateMessage", rate_limited=False)
    span = start_call(op, variables, cast(Wire, FakeWire()))
    assert isinstance(span, CallSpan)
    try:
        return span._text(VoltError(error) if isinstance(error, str) else error)
    finally:
        span.end("ok", None)
