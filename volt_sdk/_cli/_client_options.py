"""The options every API command shares, and the client they configure: a
:class:`volt_sdk.Volt`, or for ``send-bulk`` over aiohttp an :class:`volt_sdk.AsyncVolt`."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from ._arguments import positive_seconds
from ._errors import UsageError
from ._parser import Parser

if TYPE_CHECKING:
    import httpx

    from volt_sdk import AsyncVolt, Volt

__all__ = ["api_token", "client_options", "make_async_client", "make_client"]


def client_options() -> list[argparse.ArgumentParser]:
    """``--json``, ``--token``, ``--base-url``, ``--region``, ``--timeout``: for ``parents=``."""
    parent = Parser(add_help=False)
    group = parent.add_argument_group("client options")
    group.add_argument(
        "--json", action="store_true", help="print what Volt returned, as one JSON document"
    )
    group.add_argument("--token", help="API token (default: $VOLT_API_TOKEN, which ps cannot see)")
    group.add_argument(
        "--base-url", metavar="URL", help="GraphQL endpoint (default: $VOLT_API_URL, else Volt's)"
    )
    group.add_argument(
        "--region",
        metavar="CC",
        help="read numbers without +country code as numbers of this region (e.g. US)",
    )
    group.add_argument(
        "--timeout", type=positive_seconds, metavar="SECONDS", help="per request (default: 30)"
    )
    return [parent]


def api_token(args: argparse.Namespace) -> str | None:
    """``--token``, else ``$VOLT_API_TOKEN``; None when neither is given or it is blank."""
    token: str | None = args.token if args.token is not None else os.environ.get("VOLT_API_TOKEN")
    return token if token and token.strip() else None


def make_client(args: argparse.Namespace) -> Volt:
    from volt_sdk import Volt

    return Volt(**_client_arguments(args))


def make_async_client(args: argparse.Namespace, http_client: httpx.AsyncClient) -> AsyncVolt:
    """The same client as :func:`make_client`, asynchronous, over ``http_client``."""
    from volt_sdk import AsyncVolt

    return AsyncVolt(**_client_arguments(args), http_client=http_client)


def _client_arguments(args: argparse.Namespace) -> dict[str, Any]:
    token = api_token(args)
    if token is None:
        raise UsageError(
            "no API token: set VOLT_API_TOKEN or pass --token "
            "(Volt: Settings > Developers, or ask api@textvolt.com)"
        )
    from volt_sdk import NOT_GIVEN

    return {
        "token": token,
        "base_url": args.base_url,
        "timeout": NOT_GIVEN if args.timeout is None else args.timeout,
        "default_region": args.region,
    }
