"""A ``Volt.send_many`` run over N recipients, one JSON line per result (for test_bulk_resume).

    python tests/e2e/bulk_worker.py URL TOKEN JOURNAL --count 2000 [--client async|aiohttp]

Recipient i is ``+1555<3_000_000 + i>`` with key ``cust-<i>`` and a body naming
it. The last line is ``{"done": true}`` once every result was printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Iterator

from volt_sdk import AioHttpClient, AsyncVolt, BulkResult, OutgoingMessage, Volt

SENDER = "+15555550123"


def recipient(i: int) -> str:
    return f"+1555{3_000_000 + i:07d}"


def messages(count: int) -> Iterator[OutgoingMessage]:
    for i in range(count):
        yield OutgoingMessage(
            to=recipient(i),
            from_=SENDER,
            body=f"Hello customer {i}, your code is {i * 7919 % 1_000_000:06d}",
            key=f"cust-{i}",
        )


def line(result: BulkResult) -> str:
    return json.dumps(
        {
            "key": result.key,
            "index": result.index,
            "to": result.request.to,
            "status": result.status,
            "message_id": result.message_id,
            "resumed": result.resumed,
            "reconciled": result.reconciled,
            "attempts": result.attempts,
            "reason": result.reason,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("journal")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reconcile-after", type=float, default=0.2)
    # async over httpx, or over aiohttp (volt_sdk.AioHttpClient)
    parser.add_argument("--client", choices=["sync", "async", "aiohttp"], default="sync")
    # With 10% of requests answered 5xx, an item whose five attempts all draw one
    # ends "unknown" (correctly): 1e-5 per item, 2% of 2,000-item runs. Ten
    # attempts make every item end "sent" in all but 2e-7 of runs.
    parser.add_argument("--max-attempts", type=int, default=10)
    args = parser.parse_args()
    options = {
        "concurrency": args.concurrency,
        "journal": args.journal,
        "reconcile_after": args.reconcile_after,
        "max_attempts": args.max_attempts,
    }
    if args.client == "sync":
        with Volt(base_url=args.url, token=args.token) as volt:
            for result in volt.send_many(messages(args.count), **options):
                print(line(result), flush=True)
    else:

        async def run() -> None:
            async with contextlib.AsyncExitStack() as stack:
                http = None
                if args.client == "aiohttp":
                    http = await stack.enter_async_context(AioHttpClient())
                volt = AsyncVolt(base_url=args.url, token=args.token, http_client=http)
                await stack.enter_async_context(volt)
                async for result in volt.send_many(messages(args.count), **options):
                    print(line(result), flush=True)

        asyncio.run(run())
    print(json.dumps({"done": True}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
