"""The sandbox's ASGI application: a thin GraphQL-over-HTTP endpoint plus control routes.

No framework runs per request. A request is: read the body, check the token,
draw the faults, look the document up in a cache of parsed *and validated*
documents, run ``graphql.execute`` (every resolver is synchronous, so nothing is
awaited), ``json.dumps`` the result. See docs/sandbox.md for the HTTP
statuses and error bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import inspect
from collections.abc import Callable, Mapping
from typing import Any, Final, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    execute,  # pyright: ignore[reportUnknownVariableType] - graphql-core's Middleware type
    parse,
    validate,
)

from volt_sdk._logs import package_logger

from ._faults import Fault, FaultConfig, FaultPlan, FaultState
from ._http import (
    HTML,
    TEXT,
    BodyTooLargeError,
    NestedTooDeeplyError,
    Receive,
    Scope,
    Send,
    dumps,
    errors_body,
    load_json,
    read_body,
    respond,
)
from ._limits import (
    MAX_BODY,
    MAX_RESPONSE,
    QUERY_TOO_COMPLEX,
    RESPONSE_TOO_LARGE,
    BudgetedExecution,
    ResponseTooLargeError,
    cost_refusal,
)
from ._store import Store
from ._traffic import TrafficCounter

__all__ = ["CONNECTIONS", "Receive", "SandboxApp", "Scope", "Send"]

logger: Final = package_logger("volt_sdk.sandbox")  # masks phone numbers (_logs)

CONNECTIONS: Final[dict[tuple[object, object], asyncio.Transport]] = {}
"""Open connections of sandbox servers, by ``(scope["server"], scope["client"])``.

Filled by the sandbox's uvicorn protocol (``_server``): an ASGI app has no handle
on its TCP connection, and the drop fault needs one.
"""

GRAPHQL_PATHS: Final = frozenset({"/graphql", "/v1.0/graphql"})
CONTROL_PREFIX: Final = "/_sandbox/"
DOCUMENT_CACHE_SIZE: Final = 512
# Longer documents are parsed again each time: 512 of the longest would hold
# hundreds of megabytes of text and syntax trees. The client's are under 3 KiB.
DOCUMENT_CACHE_MAX_QUERY: Final = 16 << 10

_TOO_LARGE: Final = errors_body(
    f"the response would be over {MAX_RESPONSE} bytes; select fewer fields, aliases or "
    "messages (fields after the limit were not resolved)",
    RESPONSE_TOO_LARGE,
    with_data=True,
)

_ParsedDocument = tuple[DocumentNode | None, list[dict[str, Any]] | None]


class SandboxApp:
    """The ASGI app of one sandbox (see :attr:`Sandbox.app`).

    Args:
        store: the data.
        token: the bearer token every GraphQL and control request must carry.
        faults: the fault state; ``initial_faults`` is what :meth:`reset` restores.
        schema: the executable schema (``_schema.build_schema()``).
    """

    def __init__(
        self,
        *,
        store: Store,
        token: str,
        faults: FaultState,
        initial_faults: FaultConfig,
        schema: GraphQLSchema,
    ) -> None:
        self.store = store
        self.faults = faults
        self.initial_faults = initial_faults
        self._schema = schema
        self._authorization = f"Bearer {token}".encode()
        self.traffic = TrafficCounter()
        """Sends and requests in flight (``GET /_sandbox/traffic``)."""
        self.reset_hooks: list[Callable[[], None]] = []
        """Called after every reset (the webhook dispatcher forgets its queue and log)."""
        # Parsed and validated once per distinct query text. lru_cache is
        # thread-safe and C-fast; a hit costs one hash of the query string.
        self._cached_document: Callable[[str], _ParsedDocument] = functools.lru_cache(
            maxsize=DOCUMENT_CACHE_SIZE
        )(self._parse_and_validate)

    def reset(self) -> None:
        """Drop all data; faults go back to the initial configuration and seed."""
        self.store.reset()
        self.faults.replace(self.initial_faults)
        self.traffic.reset()
        for hook in self.reset_hooks:
            hook()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path: str = scope["path"]
            if path in GRAPHQL_PATHS:
                await self._graphql(scope, receive, send)
            elif path.startswith(CONTROL_PREFIX):
                await self._control(scope, receive, send, path[len(CONTROL_PREFIX) :])
            else:
                await respond(send, 404, errors_body(f"no route {path!r}; GraphQL is at /graphql"))
        elif kind == "lifespan":
            # Nothing to set up; answer so that servers running lifespan carry on.
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    # -- authentication -----------------------------------------------------------

    def _refusal(self, scope: Scope) -> bytes | None:
        """The 401 body, or None when the request carries the token."""
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, credentials = value.partition(b" ")
                if scheme.lower() == b"bearer" and hmac.compare_digest(
                    b"Bearer " + credentials.strip(), self._authorization
                ):
                    return None
                return errors_body(
                    "the API token was refused (send 'Authorization: Bearer <token>' "
                    "with the sandbox's token)",
                    "UNAUTHENTICATED",
                )
        return errors_body(
            "no Authorization header (send 'Authorization: Bearer <token>')", "UNAUTHENTICATED"
        )

    # -- GraphQL --------------------------------------------------------------------

    def _document(self, query: str) -> _ParsedDocument:
        if len(query) <= DOCUMENT_CACHE_MAX_QUERY:
            return self._cached_document(query)
        return self._parse_and_validate(query)

    def _parse_and_validate(self, query: str) -> _ParsedDocument:
        refusal = cost_refusal(query)
        if refusal is not None:
            return None, [{"message": refusal, "extensions": {"code": QUERY_TOO_COMPLEX}}]
        try:
            document = parse(query)
        except GraphQLError as exc:
            return None, [_formatted(exc, "GRAPHQL_PARSE_FAILED")]
        except RecursionError:
            # graphql-core before 3.2.4 does not stop a deep document itself.
            message = "Syntax Error: Document is nested too deeply."
            return None, [{"message": message, "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]
        # Before validation: its check of overlapping fields grows with their square.
        refusal = cost_refusal(query, document)
        if refusal is not None:
            return None, [{"message": refusal, "extensions": {"code": QUERY_TOO_COMPLEX}}]
        errors = validate(self._schema, document)
        if errors:
            return None, [_formatted(e, "GRAPHQL_VALIDATION_FAILED") for e in errors]
        return document, None

    async def _graphql(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await respond(
                send,
                405,
                errors_body("GraphQL requests are POSTed as JSON"),
                ((b"allow", b"POST"),),
            )
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await respond(send, 401, refusal, ((b"www-authenticate", b"Bearer"),))
            return
        try:
            raw = await read_body(scope, receive)
        except BodyTooLargeError:
            await respond(send, 413, errors_body(f"request body over {MAX_BODY} bytes"))
            return

        self.traffic.start(sends=b"createMessage" in raw)
        try:
            await self._answer(scope, receive, send, raw)
        finally:
            self.traffic.end()

    async def _answer(self, scope: Scope, receive: Receive, send: Send, raw: bytes) -> None:
        plan = self.faults.draw()
        if plan.fault is Fault.RATE_LIMIT or plan.fault is Fault.SERVER_ERROR:
            await self._refuse_with_fault(send, plan)
            return

        status, body = await self._run(raw)

        if plan.delay:
            await asyncio.sleep(plan.delay)
        if plan.fault is Fault.DROP:
            await _drop(scope, receive)
            return
        if plan.fault is Fault.MALFORMED:
            # The operation ran; the answer arrives cut in half, still labelled JSON.
            body = body[: max(1, len(body) // 2)]
        await respond(send, status, body)

    async def _run(self, raw: bytes) -> tuple[int, bytes]:
        """Execute one GraphQL request body: (HTTP status, response body)."""
        try:
            request = load_json(raw)
        except NestedTooDeeplyError:
            return 400, errors_body("the request body is JSON nested too deeply", "BAD_REQUEST")
        except ValueError:  # UnicodeDecodeError too
            return 400, errors_body("the request body is not JSON", "BAD_REQUEST")
        if not isinstance(request, dict):
            return 400, errors_body(
                "the request body must be a JSON object (batches are not supported)",
                "BAD_REQUEST",
            )
        request = cast("dict[str, object]", request)
        query = request.get("query")
        raw_variables = request.get("variables")
        operation_name = request.get("operationName")
        if not isinstance(query, str) or not query:
            return 400, errors_body("the request has no 'query' string", "BAD_REQUEST")
        if raw_variables is not None and not isinstance(raw_variables, dict):
            return 400, errors_body("'variables' must be a JSON object", "BAD_REQUEST")
        variables = cast("dict[str, Any] | None", raw_variables)
        if operation_name is not None and not isinstance(operation_name, str):
            return 400, errors_body("'operationName' must be a string", "BAD_REQUEST")

        document, errors = self._document(query)
        if document is None:
            return 200, dumps({"errors": errors, "data": None}).encode()
        try:
            result = execute(
                self._schema,
                document,
                context_value=self.store,
                variable_values=variables,
                operation_name=operation_name,
                execution_context_class=BudgetedExecution,
            )
            if inspect.isawaitable(result):  # only registerWebhook's resolver is async
                result = await result
        except ResponseTooLargeError:
            return 200, _TOO_LARGE
        assert isinstance(result, ExecutionResult)
        if result.errors:
            payload: dict[str, Any] = {
                "errors": [_formatted(e, None) for e in result.errors],
                "data": result.data,
            }
        else:
            payload = {"data": result.data}
        body = dumps(payload).encode()
        # The budget counts characters; the body is UTF-8, up to 4 bytes each.
        return (200, _TOO_LARGE) if len(body) > MAX_RESPONSE else (200, body)

    async def _refuse_with_fault(self, send: Send, plan: FaultPlan) -> None:
        if plan.delay:
            await asyncio.sleep(plan.delay)
        if plan.fault is Fault.RATE_LIMIT:
            await respond(
                send,
                429,
                errors_body(
                    "sandbox fault: too many requests (Volt error 602, API rate limit exceeded)",
                    "RATE_LIMITED",
                ),
                ((b"retry-after", f"{plan.retry_after:g}".encode()),),
            )
        elif plan.status == 502:
            # What a proxy in front of an API sends: an HTML page, not JSON.
            await respond(
                send,
                502,
                b"<html><head><title>502 Bad Gateway</title></head>"
                b"<body><h1>502 Bad Gateway</h1></body></html>",
                content_type=HTML,
            )
        else:
            await respond(
                send,
                plan.status,
                errors_body(f"sandbox fault: HTTP {plan.status}", "INTERNAL_SERVER_ERROR"),
            )

    # -- control endpoints ----------------------------------------------------------

    async def _control(self, scope: Scope, receive: Receive, send: Send, route: str) -> None:
        method = scope["method"]
        if route == "health":
            await respond(send, 200, b'{"status":"ok"}')
            return
        if route == "webhook-key":
            # Public, like Volt's id_rsa.pub: no token.
            await self._webhook_key(scope, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await respond(send, 401, refusal, ((b"www-authenticate", b"Bearer"),))
            return
        routes: Mapping[tuple[str, str], Callable[[bytes], tuple[int, object]]] = {
            ("GET", "outbox"): self._get_outbox,
            ("GET", "faults"): self._get_faults,
            ("GET", "traffic"): self._get_traffic,
            ("POST", "faults"): self._set_faults,
            ("POST", "reset"): self._reset,
            ("POST", "inbound"): self._inbound,
        }
        handler = routes.get((method, route))
        if handler is None:
            allowed = sorted(m for m, r in routes if r == route)
            if allowed:
                await respond(
                    send,
                    405,
                    errors_body(f"/_sandbox/{route} takes {' or '.join(allowed)}"),
                    ((b"allow", ", ".join(allowed).encode()),),
                )
            else:
                await respond(send, 404, errors_body(f"no control route /_sandbox/{route}"))
            return
        try:
            raw = await read_body(scope, receive)
        except BodyTooLargeError:
            await respond(send, 413, errors_body(f"request body over {MAX_BODY} bytes"))
            return
        status, payload = handler(raw)
        await respond(send, status, dumps(payload).encode())

    async def _webhook_key(self, scope: Scope, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await respond(
                send,
                405,
                errors_body("/_sandbox/webhook-key takes GET"),
                ((b"allow", b"GET"),),
            )
            return
        from urllib.parse import parse_qs

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        form = query.get("format", ["openssh"])[-1]
        if form not in ("openssh", "pem"):
            await respond(send, 400, errors_body("format: expected 'openssh' or 'pem'"))
            return
        from ._webhooks import public_key_text

        try:
            text = public_key_text(form)
        except (ImportError, GraphQLError) as exc:
            await respond(send, 501, errors_body(f"no webhook key: {exc}"))
            return
        await respond(send, 200, text, content_type=TEXT)

    def _get_outbox(self, _: bytes) -> tuple[int, object]:
        return 200, [m.to_json() for m in self.store.outbox()]

    def _get_traffic(self, _: bytes) -> tuple[int, object]:
        return 200, self.traffic.snapshot().to_json()

    def _get_faults(self, _: bytes) -> tuple[int, object]:
        return 200, self.faults.config.to_json()

    def _set_faults(self, raw: bytes) -> tuple[int, object]:
        try:
            config = FaultConfig.from_json(load_json(raw) if raw.strip() else {})
        except (ValueError, TypeError) as exc:
            return 400, {"errors": [{"message": f"faults: {exc}"}]}
        self.faults.replace(config)
        return 200, config.to_json()

    def _reset(self, _: bytes) -> tuple[int, object]:
        self.reset()
        return 200, {"ok": True}

    def _inbound(self, raw: bytes) -> tuple[int, object]:
        try:
            loaded = load_json(raw)
            if not isinstance(loaded, dict):
                raise TypeError("expected a JSON object")
            payload = cast("dict[str, Any]", loaded)
            message = self.store.add_inbound(
                from_number=payload["from_number"],
                to_number=payload["to_number"],
                body=payload.get("body", ""),
                media=payload.get("media") or (),
            )
        except (ValueError, TypeError, KeyError, GraphQLError) as exc:
            return 400, {"errors": [{"message": f"inbound: {exc}"}]}
        return 200, {"id": message.id}


def _formatted(error: GraphQLError, default_code: str | None) -> dict[str, Any]:
    """The error as sent, always with an ``extensions.code`` (a sandbox choice)."""
    formatted = dict(error.formatted)
    if "extensions" not in formatted:
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            # A bug in the sandbox, not in the request: keep the traceback.
            logger.error("resolver failed: %s", error.message, exc_info=original)
            code = "INTERNAL_SERVER_ERROR"
        else:
            code = default_code or "BAD_USER_INPUT"
        formatted["extensions"] = {"code": code}
    return formatted


async def _drop(scope: Scope, receive: Receive) -> None:
    """Close the connection without a response (the server did its work)."""
    transport = CONNECTIONS.get((scope.get("server"), scope.get("client")))
    if transport is None:
        # In process (httpx.ASGITransport) there is no socket to close: raise what
        # httpx raises when a server hangs up, so clients see the same failure.
        import httpx

        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    transport.abort()
    # Wait until the server has seen the connection go, or it would answer a 500
    # on our behalf; bounded, should it never notice.
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(_until_disconnected(receive), 1.0)


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
