"""One call in a fresh process, measured: ``python -m tests.hostile.bounded_call SPEC``.

``SPEC`` is a JSON object: ``client`` (a class name of tests/transports.py), ``method``
and ``kwargs`` (the call), ``options`` (the client's). The process prints one JSON
line: what the call returned or raised (type, its classes, its cause's, the
``limit`` attribute, the length of its text), the seconds it took, the process's
peak resident memory at the end, and where, if anywhere, the token showed (error
texts, traceback, ``volt_sdk`` log lines at DEBUG). A fresh process is what makes
the peak memory the call's own.

The peak is ``VmHWM`` of ``/proc/self/status`` (KiB), the high-water mark of this
program's own memory, with ``ru_maxrss`` beside it. ``ru_maxrss`` alone is not
enough: Linux carries the high-water mark of the memory an ``exec`` replaces into
it, and ``subprocess`` starts the child with ``vfork``, so a child of a 260 MB
pytest reports at least 260 MB whatever it does (seen here). Where there is no
``/proc``, ``ru_maxrss`` is all there is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import sys
import time
from typing import Any

from tests.hostile.texts import error_texts, leaks


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append((f"log {record.name} {record.levelname}", record.getMessage()))
        if record.exc_info and record.exc_info[1] is not None:
            self.texts += error_texts(record.exc_info[1])


def _describe(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    text = str(error)
    limit: object = getattr(error, "limit", None)
    return {
        "type": type(error).__name__,
        "classes": [c.__name__ for c in type(error).__mro__],
        "str_chars": len(text),
        "repr_chars": len(repr(error)),
        "text": text[:300],
        "limit": limit if isinstance(limit, int) else None,
    }


#: A ceiling on the process's address space, so that a client that reads a bomb
#: whole fails with MemoryError instead of exhausting the machine (the peak RSS
#: measured today is about 2.1 GB for the 1 GiB bomb).
ADDRESS_SPACE_LIMIT = 6 * 1024**3


def _limit_address_space() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = (
        ADDRESS_SPACE_LIMIT if hard == resource.RLIM_INFINITY else min(hard, ADDRESS_SPACE_LIMIT)
    )
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _peak_rss_kib() -> int:
    """This program's peak resident memory in KiB (see the module's docstring)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    spec: dict[str, Any] = json.loads(argv[1])
    _limit_address_space()
    records = _Records()
    sdk_logger = logging.getLogger("volt_sdk")
    sdk_logger.setLevel(logging.DEBUG)
    sdk_logger.addHandler(records)

    import volt_sdk
    from tests.transports import CLIENT_CLASSES

    by_name = {cls.__name__: cls for cls in CLIENT_CLASSES.values()}
    client_class = by_name[spec["client"]]
    method: str = spec["method"]
    kwargs: dict[str, Any] = spec["kwargs"]
    client = client_class(**spec["options"])
    result: object = None
    error: Exception | None = None
    started = time.monotonic()
    try:
        if isinstance(client, volt_sdk.AsyncVolt):
            async_client = client

            async def run() -> object:
                async with async_client:
                    return await getattr(async_client, method)(**kwargs)

            result = asyncio.run(run())
        else:
            with client:
                result = getattr(client, method)(**kwargs)
    except Exception as exc:
        error = exc
    elapsed = time.monotonic() - started
    peak_kib = _peak_rss_kib()
    ru_maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    cause: object = getattr(error, "cause", None) if error is not None else None
    texts = error_texts(error) if error is not None else []
    body: object = getattr(result, "body", None)
    report = {
        "elapsed": elapsed,
        "peak_rss_kib": peak_kib,
        "ru_maxrss_kib": ru_maxrss_kib,
        "returned": None if error is not None else type(result).__name__,
        "returned_body_chars": len(body) if isinstance(body, str) else None,
        "error": _describe(error),
        "cause": _describe(cause if isinstance(cause, BaseException) else None),
        "default_cap": getattr(volt_sdk, "DEFAULT_MAX_RESPONSE_BYTES", None),
        "token_leaks": leaks(spec["options"]["token"], [*texts, *records.texts]),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
