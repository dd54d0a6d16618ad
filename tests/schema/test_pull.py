"""``volt schema pull``: introspection at the httpx seam, and a stable file.

The end-to-end story against the sandbox is in ``tests/e2e/test_schema_lifecycle.py``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from graphql import build_schema
from pytest_httpx import HTTPXMock

from tests.payloads import TOKEN, URL
from volt_sdk import AuthenticationError, ConfigurationError, MalformedResponseError
from volt_sdk import _schema_tools as tools

from .conftest import SCHEMA, WHEN, introspection_answer


def test_introspect_posts_the_introspection_query_with_the_bearer_token(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=URL, method="POST", json=introspection_answer())
    schema = tools.introspect(URL, TOKEN)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    body = json.loads(request.content)
    assert body["operationName"] == "IntrospectionQuery"
    assert "__schema" in body["query"]
    assert tools.sorted_sdl(schema) == tools.sorted_sdl(build_schema(SCHEMA))


def test_a_refused_token_is_an_authentication_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=401, json={"errors": [{"message": "bad token"}]})
    with pytest.raises(AuthenticationError, match="HTTP 401"):
        tools.introspect(URL, TOKEN)


def test_an_html_page_is_a_malformed_response(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=URL, text="<html>Sign in</html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(MalformedResponseError, match="HTML page"):
        tools.introspect(URL, TOKEN)


def test_graphql_data_that_is_not_an_introspection_result_is_malformed(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=URL, json={"data": {"hello": "world"}})
    with pytest.raises(MalformedResponseError, match="introspection result"):
        tools.introspect(URL, TOKEN)


def test_the_token_never_goes_over_plain_http_to_another_host() -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        tools.introspect("http://volt.example.com/graphql", TOKEN)


def test_render_sorts_everything_so_the_order_of_the_source_does_not_matter() -> None:
    forward = build_schema("type Query { b: Int, a(y: Int, x: Int): E }\nenum E { Z A }")
    backward = build_schema("enum E { A Z }\ntype Query { a(x: Int, y: Int): E, b: Int }")
    first = tools.render(forward, source_url=URL, when=WHEN)
    assert first == tools.render(backward, source_url=URL, when=WHEN)
    assert first.startswith(tools.HEADER_MARK)
    assert f"from {URL} on 2025-01-02T03:04:05Z" in first
    assert "a(x: Int, y: Int): E\n  b: Int" in first
    assert "enum E {\n  A\n  Z\n}" in first


def test_render_keeps_credentials_and_query_strings_out_of_the_header() -> None:
    text = tools.render(
        build_schema("type Query { a: Int }"),
        source_url="https://user:secret@volt.example.com/graphql?key=secret",
        when=WHEN,
    )
    assert "secret" not in text
    assert "https://volt.example.com/graphql" in text


def test_pulling_twice_leaves_a_byte_identical_file(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    httpx_mock.add_response(url=URL, json=introspection_answer(), is_reusable=True)
    target = tmp_path / "schema.graphql"
    first = tools.pull(target, url=URL, token=TOKEN, now=WHEN)
    written = target.read_bytes()
    second = tools.pull(target, url=URL, token=TOKEN, now=datetime.now(timezone.utc))
    assert (first.changed, second.changed) == (True, False)
    assert target.read_bytes() == written
    assert first.provenance is None  # nothing to keep: there was no file before
    assert not (tmp_path / tools.PROVENANCE_FILE).exists()
