"""What one request may cost the sandbox: hostile bodies, queries and responses are refused
with GraphQL errors, and the sandbox keeps answering (docs/sandbox.md, Limits)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query, parse

from volt_sdk import Volt
from volt_sdk.sandbox import Sandbox
from volt_sdk.sandbox._limits import (
    MAX_BODY,
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_QUERY_LENGTH,
    MAX_RESPONSE,
    cost_refusal,
)

from .conftest import OTHER

ROOT = Path(__file__).resolve().parents[2]
DEEP = 100_000
CONVERSATION = 'conversation(to: "+15555550145", from: "+15555550123") { messages { id body } }'


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.url.removesuffix("/graphql"),
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=60,
    ) as client:
        yield client


def aliases(count: int, selection: str = CONVERSATION) -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


def assert_still_answers(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": "{ webhooks { id } }"})
    assert (response.status_code, response.json()) == (200, {"data": {"webhooks": []}})


def refusal(response: httpx.Response, status: int = 200) -> tuple[str, str]:
    """(code, message) of a response that is one GraphQL error."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    payload = response.json()
    (error,) = payload["errors"]
    if status == 200:
        assert payload["data"] is None
    return error.get("extensions", {}).get("code"), error["message"]


# -- bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/graphql", b"[" * DEEP + b"]" * DEEP),
        ("/graphql", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
        ("/graphql", b'{"query": "{ webhooks { id } }", "variables": {"v": ' + b"[" * DEEP),
        ("/_sandbox/inbound", b"[" * DEEP + b"]" * DEEP),
        ("/_sandbox/faults", b"[" * DEEP + b"]" * DEEP),
    ],
    ids=["array", "object", "variables", "inbound", "faults"],
)
def test_json_nested_100000_deep_is_a_400_with_graphql_errors_and_no_traceback(
    http: httpx.Client, caplog: pytest.LogCaptureFixture, path: str, content: bytes
) -> None:
    with caplog.at_level(logging.WARNING):
        response = http.post(path, content=content)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert "nested too deeply" in error["message"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert_still_answers(http)


def test_a_query_nested_100000_deep_is_a_parse_error_not_a_crash(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    deep = 20_000  # 100 000 would pass the length limit and be refused before parsing
    with caplog.at_level(logging.WARNING):
        response = http.post("/graphql", json={"query": "{" + "a{" * deep + "b" + "}" * deep})

    assert refusal(response)[0] == "GRAPHQL_PARSE_FAILED"
    assert caplog.records == []


@pytest.mark.anyio
async def test_a_body_over_the_limit_is_a_413_even_when_it_comes_in_one_piece() -> None:
    sandbox = Sandbox(token="t")
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b" " * (MAX_BODY + 1), "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "headers": [(b"authorization", b"Bearer t")],  # no content-length: chunked
    }
    await sandbox.app(scope, receive, send)
    sandbox.close()

    assert sent[0]["status"] == 413


def test_a_body_over_the_limit_is_a_413_over_http_and_the_sandbox_answers_afterwards(
    http: httpx.Client,
) -> None:
    response = http.post("/graphql", content=b"x" * (MAX_BODY + 1))

    assert refusal(response, 413)[1] == f"request body over {MAX_BODY} bytes"
    assert_still_answers(http)


# -- the query, before it runs --------------------------------------------------------


def test_nine_thousand_aliases_are_refused_before_anything_runs(http: httpx.Client) -> None:
    query = aliases(9000)
    assert len(query) > 700_000

    code, message = refusal(http.post("/graphql", json={"query": query}))

    assert code == "QUERY_TOO_COMPLEX"
    assert f"up to {MAX_QUERY_LENGTH} characters" in message
    assert_still_answers(http)


def test_more_fields_than_the_limit_are_refused_counting_aliases_and_fragments(
    http: httpx.Client, volt: Volt, sandbox: Sandbox
) -> None:
    create = 'createMessage(to: "+15555550145", from: "+15555550123", body: "hi") { ...M }'
    per_alias = 3  # createMessage, id, body
    count = MAX_FIELDS // per_alias + 1
    query = "mutation " + aliases(count, create) + " fragment M on Message { id body }"

    code, message = refusal(http.post("/graphql", json={"query": query}))

    assert code == "QUERY_TOO_COMPLEX"
    assert f"selects {count * per_alias} fields" in message
    assert sandbox.outbox() == []  # refused before the first mutation ran
    at_limit = "mutation " + aliases(count - 1, create) + " fragment M on Message { id body }"
    assert "errors" not in http.post("/graphql", json={"query": at_limit}).json()
    assert len(sandbox.outbox()) == count - 1


def test_a_fragment_spread_twice_in_a_chain_is_counted_for_every_use(http: httpx.Client) -> None:
    # F0 expands to 2**12 copies of F12 (2 fields each): 8 192 fields from a few lines.
    spreads = "".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }} " for i in range(12))
    query = "{ ...F0 } " + spreads + "fragment F12 on Query { webhooks { id } }"

    code, message = refusal(http.post("/graphql", json={"query": query}))

    assert code == "QUERY_TOO_COMPLEX"
    assert f"selects {2**12 * 2} fields" in message


def test_a_query_nested_deeper_than_the_limit_is_refused(http: httpx.Client) -> None:
    def of_type(levels: int) -> str:
        return "{ kind " + "ofType { kind " * levels + "}" * levels + " }"

    def query(levels: int) -> str:
        return "{ __schema { types { fields { type " + of_type(levels) + " } } } }"

    # __schema, types, fields, type, then `levels` ofType, then kind.
    allowed = MAX_DEPTH - 5
    assert "errors" not in http.post("/graphql", json={"query": query(allowed)}).json()
    code, message = refusal(http.post("/graphql", json={"query": query(allowed + 1)}))
    assert code == "QUERY_TOO_COMPLEX"
    assert f"{MAX_DEPTH + 1} levels deep" in message


def test_the_introspection_query_and_every_client_operation_fit_the_limits() -> None:
    operations = ROOT / "queries" / "operations"
    fragments = (operations / "fragments.graphql").read_text(encoding="utf-8")
    queries = [get_introspection_query(descriptions=True)] + [
        path.read_text(encoding="utf-8") + fragments
        for path in sorted(operations.glob("*.graphql"))
        if path.name != "fragments.graphql"
    ]

    assert [cost_refusal(query, parse(query)) for query in queries] == [None] * len(queries)


# -- the response, while it is built ------------------------------------------------


def test_a_response_over_the_limit_is_refused_and_the_sandbox_answers_afterwards(
    http: httpx.Client, volt: Volt, sandbox: Sandbox
) -> None:
    big = volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="x" * 1_000_000)
    count = MAX_RESPONSE // 1_000_000 + 5
    query = aliases(count, f'message(id: "{big.id}") {{ id body }}')

    code, message = refusal(http.post("/graphql", json={"query": query}))

    assert code == "RESPONSE_TOO_LARGE"
    assert str(MAX_RESPONSE) in message
    assert len(volt.get_message(big.id).body or "") == 1_000_000
    fitting = aliases(MAX_RESPONSE // 1_000_000 - 1, f'message(id: "{big.id}") {{ id }}')
    assert "errors" not in http.post("/graphql", json={"query": fitting}).json()


# -- memory, measured -----------------------------------------------------------------

SERVER = """
import resource, sys
# Should a limit fail, the server dies of a MemoryError instead of taking the machine.
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from volt_sdk.sandbox import Sandbox
with Sandbox() as sandbox:
    print(sandbox.url, flush=True)
    sys.stdin.read()
"""


def peak_rss(pid: int) -> int:
    """The process's peak resident set size in bytes (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")  # pragma: no cover


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_the_sandbox_s_memory_stays_bounded_under_the_alias_attack() -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(headers={"Authorization": "Bearer sandbox-token"}, timeout=60) as http:
            create = (
                'mutation($b: String!) { createMessage(to: "+15555550145", '
                'from: "+15555550123", body: $b) { id } }'
            )
            # A full conversation page of the longest bodies a request can carry.
            for _ in range(20):
                created = http.post(
                    url, json={"query": create, "variables": {"b": "x" * 1_000_000}}
                )
                assert "errors" not in created.json()
            baseline = peak_rss(process.pid)
            attacks = [(aliases(9000), "QUERY_TOO_COMPLEX")]
            attacks += [(aliases(MAX_FIELDS // 4), "RESPONSE_TOO_LARGE")]  # 4 fields each
            for query, expected in attacks * 3:
                assert refusal(http.post(url, json={"query": query}))[0] == expected
            answer = http.post(url, json={"query": "{ webhooks { id } }"})
            assert answer.json() == {"data": {"webhooks": []}}
            peak = peak_rss(process.pid)
    finally:
        process.kill()
        process.communicate()

    # Measured: 62 MiB after the messages, 84 MiB at the peak (the response budget, plus
    # one conversation page read from the database). Without the limits: over 2 GiB
    # within 20 s (stopped there), 24 GB in the report that found it.
    assert peak < 256 << 20, f"peak RSS {peak >> 20} MiB (baseline {baseline >> 20} MiB)"
