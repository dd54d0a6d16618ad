"""Generate the blocking client and executor from their async sources.

The async code is written once; its blocking twin is this rewrite of it, the way
httpcore produces its sync code: a table of names, each matched at word
boundaries, turns ``AsyncVolt`` into ``Volt``, ``async def`` into ``def``,
``await x`` into ``x``, ``_concurrency.async_sleep`` into ``_concurrency.sleep``
and so on, docstrings included. The result is formatted with the project's
pinned ruff and starts with a header that says it is generated.

    python -m codegen.unasync            # rewrite every twin
    python -m codegen.unasync --check    # fail if a twin is stale

A rule that no source uses any more fails the run: the table says exactly what
the sources need, no more. Run by ``make generate`` / ``make generate-check``
through ``codegen/generate.py``.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (async source, blocking twin), relative to the repository root.
FILES: tuple[tuple[str, str], ...] = (
    ("volt_sdk/_wire/_async_executor.py", "volt_sdk/_wire/_sync_executor.py"),
    ("volt_sdk/_wire/_async_deadline.py", "volt_sdk/_wire/_sync_deadline.py"),
    ("volt_sdk/_client/_async_messages.py", "volt_sdk/_client/_sync_messages.py"),
    ("volt_sdk/_client/_async_account.py", "volt_sdk/_client/_sync_account.py"),
    ("volt_sdk/_client/_async_client.py", "volt_sdk/_client/_sync_client.py"),
    ("volt_sdk/_wire/_async_redis_limits.py", "volt_sdk/_wire/_sync_redis_limits.py"),
    ("volt_sdk/webhooks/_async_download.py", "volt_sdk/webhooks/_sync_download.py"),
)

# Applied in order, each at word boundaries; every rule must match somewhere.
RULES: tuple[tuple[str, str], ...] = (
    # send_many takes an iterable or an async iterable; the blocking one, an iterable.
    (
        r"Iterable\[OutgoingMessage\] \| AsyncIterable\[OutgoingMessage\]",
        "Iterable[OutgoingMessage]",
    ),
    (r"AsyncIterable", "Iterable"),
    (r"AsyncIterator", "Iterator"),
    (r"AsyncVoltGraphQL", "VoltGraphQL"),
    (r"async_client", "client"),  # volt_sdk_graphql.async_client -> .client
    (r"AsyncExecutor", "SyncExecutor"),
    (r"AsyncMessageMethods", "MessageMethods"),
    (r"AsyncAccountMethods", "AccountMethods"),
    (r"_async_messages", "_sync_messages"),
    (r"_async_account", "_sync_account"),
    (r"AsyncVoltWithRawResponse", "VoltWithRawResponse"),
    (r"AsyncVolt", "Volt"),
    (r"AsyncClient", "Client"),  # httpx
    (r"Asynchronous client", "Blocking client"),
    (r"async_sleep", "sleep"),
    (r"areserve", "reserve"),  # volt_sdk.limits: each limiter has both halves
    (r"aacquire", "acquire"),
    (r"arelease", "release"),
    (r"atry_acquire", "try_acquire"),
    (r"for_loop", "blocking"),  # a Redis limiter's connection (_redis_link.RedisLink)
    (r"async_raw", "sync_raw"),
    (r"async_offload", "offload"),  # a store's blocking call: a worker thread, or not
    (r"async_semaphore", "semaphore"),
    (r"_AsyncDeadlineStream", "_DeadlineStream"),
    (r"_AsyncDeadlineBackend", "_DeadlineBackend"),
    (r"AsyncNetworkStream", "NetworkStream"),
    (r"AsyncNetworkBackend", "NetworkBackend"),
    (r"AsyncHTTPTransport", "HTTPTransport"),
    (r"aiter_raw", "iter_raw"),
    (r"aiter_bytes", "iter_bytes"),
    (r"try_download_async", "try_download"),  # the webhook key file
    (r"download_async", "download"),
    (r"new_async_http_client", "new_http_client"),
    (r"widen_async_pool", "widen_pool"),
    (r"send_many_async", "send_many_sync"),
    (r"outgoing_async", "outgoing"),
    (r"asyncio", "threading"),  # the concurrency gate's annotation
    (r"__aenter__", "__enter__"),
    (r"__aexit__", "__exit__"),
    (r"aclose", "close"),
    (r"async def", "def"),
    (r"async with", "with"),
    (r"async for", "for"),
    (r"await\s+", ""),
)


def _compile(pattern: str) -> re.Pattern[str]:
    # A word boundary on both sides, where the pattern has a word character there:
    # AsyncVolt must not match the start of AsyncVoltGraphQL, nor async_client the
    # end of _async_client.
    end = r"\b" if re.match(r"\w", pattern[-1]) else ""
    return re.compile(rf"\b{pattern}{end}")


_COMPILED = tuple((_compile(pattern), replacement) for pattern, replacement in RULES)


def _header(source: str) -> str:
    name = Path(source).name
    return (
        f"# Generated from {name} by codegen/unasync.py (make generate). Do not edit:\n"
        f"# change {name} and run `make generate`.\n"
    )


def rewrite(text: str, used: set[int]) -> str:
    """``text`` with every rule applied; the indexes of the rules that matched go to ``used``."""
    for index, (pattern, replacement) in enumerate(_COMPILED):
        text, count = pattern.subn(replacement, text)
        if count:
            used.add(index)
    return text


def _ruff(args: list[str], text: str, filename: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", filename, "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"ruff {' '.join(args)} failed on the rewrite of {filename}:\n{result.stderr}"
        )
    return result.stdout


def generate(source: str, target: str, used: set[int], root: Path = ROOT) -> str:
    """The blocking twin of ``source``, as it is to be written to ``target``."""
    text = rewrite((root / source).read_text(encoding="utf-8"), used)
    # The rewrite leaves imports unsorted or doubled (AsyncIterator and Iterator
    # both become Iterator) and lines that now fit on one: ruff tidies both.
    text = _ruff(
        ["check", "--fix-only", "--unsafe-fixes", "--select", "I,F401,UP028", "--quiet"],
        text,
        target,
    )
    text = _ruff(["format", "--quiet"], text, target)
    return _header(source) + text


def main(
    argv: list[str] | None = None,
    *,
    root: Path = ROOT,
    files: tuple[tuple[str, str], ...] = FILES,
) -> int:
    """Write (or with ``--check``, compare) the twins of ``files`` under ``root``; 0 when done."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a twin is stale")
    args = parser.parse_args(argv)
    used: set[int] = set()
    stale: list[str] = []
    for source, target in files:
        expected = generate(source, target, used, root)
        path = root / target
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == expected:
            continue
        if args.check:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                fromfile=f"committed/{target}",
                tofile=f"regenerated/{target}",
            )
            stale.append("".join(diff) or f"missing: {target}")
        else:
            path.write_text(expected, encoding="utf-8")
            print(f"generated {target}")
    unused = [RULES[i] for i in range(len(RULES)) if i not in used]
    if unused:
        print("codegen/unasync.py: rules no async source uses any more (remove them):")
        for pattern, replacement in unused:
            print(f"  {pattern!r} -> {replacement!r}")
        return 1
    if stale:
        print("the blocking twins do not match their async sources; run `make generate`:")
        print("\n".join(stale))
        return 1
    if args.check:
        print("the blocking twins are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
