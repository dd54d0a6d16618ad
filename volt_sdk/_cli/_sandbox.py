"""``volt sandbox``: run the local Volt-compatible sandbox, with faults injected on request."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ._arguments import non_negative, port_number, probability
from ._errors import CommandError, UsageError
from ._extras import SANDBOX, missing, needs
from ._output import Output
from ._parser import add_leaf

if TYPE_CHECKING:
    from ._parser import Commands

__all__ = ["SANDBOX_EXTRA_MISSING", "register"]

SANDBOX_EXTRA_MISSING = missing(SANDBOX)

# Sandbox arguments and the flags that set them, to name the flag when the sandbox refuses one.
_SANDBOX_FLAGS = {
    "db": "--db",
    "token": "--token",
    "numbers": "--number",
    "pace": "--pace",
    "host": "--host",
    "port": "--port",
}

# The sandbox's FaultConfig fields and the flags that set them.
_FAULT_FLAGS = {
    "seed": "--fault-seed",
    "latency": "--fault-latency",
    "latency_jitter": "--fault-jitter",
    "rate_429": "--fault-429",
    "retry_after": "--fault-retry-after",
    "rate_5xx": "--fault-5xx",
    "rate_drop": "--fault-drop",
    "rate_malformed": "--fault-malformed",
}


def register(commands: Commands) -> None:
    sandbox = add_leaf(commands, "sandbox", _sandbox, "run a local Volt-compatible sandbox")
    sandbox.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    sandbox.add_argument(
        "--port", type=port_number, default=8765, help="default: 8765; 0 picks a free port"
    )
    sandbox.add_argument("--db", metavar="PATH", help="keep the data in this file")
    sandbox.add_argument("--token", dest="sandbox_token", metavar="TOKEN", help="API token")
    sandbox.add_argument(
        "--number",
        dest="numbers",
        action="extend",
        nargs="+",
        metavar="N",
        help="the organization's numbers",
    )
    sandbox.add_argument(
        "--pace", type=non_negative, metavar="SECONDS", help="time between status changes"
    )
    faults = sandbox.add_argument_group("fault injection")
    faults.add_argument("--fault-seed", type=int, metavar="N", help="random seed")
    faults.add_argument("--fault-latency", type=non_negative, metavar="S", help="added latency")
    faults.add_argument("--fault-jitter", type=non_negative, metavar="S", help="latency jitter")
    faults.add_argument("--fault-429", type=probability, metavar="P", help="rate of 429s")
    faults.add_argument(
        "--fault-retry-after", type=non_negative, metavar="S", help="Retry-After of a 429"
    )
    faults.add_argument("--fault-5xx", type=probability, metavar="P", help="rate of 5xx")
    faults.add_argument(
        "--fault-drop", type=probability, metavar="P", help="rate of dropped connections"
    )
    faults.add_argument(
        "--fault-malformed", type=probability, metavar="P", help="rate of malformed bodies"
    )


def _sandbox(args: argparse.Namespace, out: Output) -> int:
    with needs(SANDBOX):
        from volt_sdk.sandbox import DEFAULT_NUMBERS, DEFAULT_TOKEN, FaultConfig, serve

    from volt_sdk import normalize_phone

    token: str = args.sandbox_token or DEFAULT_TOKEN
    numbers = (
        [normalize_phone(n, argument="--number") for n in args.numbers]
        if args.numbers
        else list(DEFAULT_NUMBERS)
    )
    values = {
        field: getattr(args, flag[2:].replace("-", "_")) for field, flag in _FAULT_FLAGS.items()
    }
    given = {field: value for field, value in values.items() if value is not None}
    try:
        faults = FaultConfig(**given) if given else None
    except (TypeError, ValueError) as exc:
        head, sep, tail = str(exc).partition(": ")
        flag = _FAULT_FLAGS.get(head) if sep else None
        raise UsageError(f"{flag}: {tail}" if flag else f"fault options: {exc}") from None

    ready = False

    def on_ready(url: str) -> None:
        import shlex

        nonlocal ready
        ready = True
        out.line("Volt sandbox ready (Ctrl-C to stop)")
        rows = [("GraphQL URL", url), ("token", token), ("numbers", ", ".join(numbers))]
        if given:
            rows.append(("faults", ", ".join(f"{k}={v}" for k, v in given.items())))
        out.fields(rows, indent="  ")
        out.line()
        out.line(f"export VOLT_API_URL={shlex.quote(url)}")
        out.line(f"export VOLT_API_TOKEN={shlex.quote(token)}")
        sys.stdout.flush()

    options: dict[str, Any] = {}
    if args.pace is not None:
        options["pace"] = args.pace
    try:
        # A sandbox that imports its server lazily finds the extra missing only now.
        with needs(SANDBOX):
            serve(
                host=args.host,
                port=args.port,
                db=args.db,
                token=token,
                numbers=numbers,
                faults=faults,
                on_ready=on_ready,
                **options,
            )
    except ValueError as exc:
        # The sandbox refused an argument ("db: ..."), before it served anything.
        head, sep, tail = str(exc).partition(": ")
        flag = _SANDBOX_FLAGS.get(head) if sep and not ready else None
        if flag is None:
            raise
        raise CommandError(f"{flag}: {tail}", 2) from None
    except OSError as exc:
        if ready or isinstance(exc, BrokenPipeError):
            raise
        raise CommandError(_cannot_listen(exc, args.host, args.port), 2) from None
    return 0


def _cannot_listen(exc: OSError, host: str, port: int) -> str:
    import errno

    busy = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}
    if exc.errno in busy:
        # The most common first run problem: a sandbox already runs on the default port.
        return (
            f"port {port} on {host} is in use (another volt sandbox?): stop it, "
            "or choose another port with --port (--port 0 picks a free one)"
        )
    return f"{exc.strerror or exc} (check --host and --port)"
