"""The gql half of ``bench/overhead.py``: gql's per-call CPU against the raw httpx floor.

gql (the peer users would pick instead of volt-sdk) cannot share the project's
venv: gql 4.x needs graphql-core >= 3.3, and ariadne-codegen pins 3.2.14. So
``bench/overhead.py`` installs it in a venv of its own (``.venv/gql-venv``) and
runs this script there. It imports neither volt_sdk nor anything of the project:
the document, the canned response, the URL and the headers come from the parent,
as JSON on standard input. Both sides, measured here in the same process and
alternating in rounds, run over ``httpx.MockTransport`` with the same canned
``createMessage`` response and a recipient never used before on every call:

- ``raw``: ``httpx.AsyncClient.post`` of the same request body plus ``json.loads``;
- ``gql``: ``gql.Client`` over ``HTTPXAsyncTransport``, which passes its keyword
  arguments to the ``httpx.AsyncClient`` it creates, so ``transport=`` injects
  the mock transport (no patching); the document is parsed once (``gql()``),
  each call builds a ``GraphQLRequest`` with its variables, as a user would.

Prints one JSON line: the CPU seconds per call of each side, per round.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from gql import Client, GraphQLRequest, gql  # type: ignore[import-not-found,unused-ignore]
from gql.transport.httpx import HTTPXAsyncTransport  # type: ignore[import-not-found,unused-ignore]

_numbers = itertools.count(3_000_000_000)


def fresh_number() -> str:
    return f"+1{next(_numbers)}"


async def time_async(calls: int, fn: Callable[[], Awaitable[Any]]) -> float:
    start = time.process_time()
    for _ in range(calls):
        await fn()
    return (time.process_time() - start) / calls


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    canned = spec["canned"].encode()
    url: str = spec["url"]
    query: str = spec["query"]
    headers: dict[str, str] = spec["headers"]
    sender: str = spec["from"]
    body: str = spec["body"]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=canned, headers={"content-type": "application/json"})

    raw_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))

    async def raw() -> None:
        payload = json.dumps(
            {
                "query": query,
                "operationName": "CreateMessage",
                "variables": {"to": fresh_number(), "from": sender, "body": body},
            }
        ).encode()
        response = await raw_client.post(url, content=payload, headers=headers)
        json.loads(response.content)

    transport = HTTPXAsyncTransport(
        url=url, headers=headers, transport=httpx.MockTransport(handler)
    )
    client = Client(transport=transport, fetch_schema_from_transport=False)
    document = gql(query).document
    results: dict[str, list[float]] = {"raw": [], "gql": []}
    async with client as session:

        async def peer() -> None:
            request = GraphQLRequest(
                document,
                variable_values={"to": fresh_number(), "from": sender, "body": body},
                operation_name="CreateMessage",
            )
            await session.execute(request)

        await peer()  # the answer must parse, or the figure means nothing
        for fn in (raw, peer):
            await time_async(min(200, spec["calls"]), fn)
        for _ in range(spec["rounds"]):
            results["raw"].append(await time_async(spec["calls"], raw))
            results["gql"].append(await time_async(spec["calls"], peer))
    await raw_client.aclose()
    import gql as gql_module  # type: ignore[import-not-found,unused-ignore]
    import graphql

    return {
        "results": results,
        "versions": {
            "gql": gql_module.__version__,
            "graphql-core": graphql.__version__,
            "httpx": httpx.__version__,
        },
    }


def main() -> int:
    spec = json.load(sys.stdin)
    print(json.dumps(asyncio.run(run(spec))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
