"""``volt webhook listen``: a local receiver that verifies each POST with Volt's key (or the
sandbox's) and prints one line per event; the webhooks extra is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._arguments import port_number
from ._extras import WEBHOOKS, needs
from ._output import Output, one_line
from ._parser import add_leaf

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from volt_sdk.webhooks import PublicKeyLike, WebhookEvent

    from ._parser import Commands

__all__ = ["make_receiver", "register"]

DEFAULT_PORT = 8787


def register(webhook: Commands) -> None:
    """Add ``volt webhook listen`` under ``volt webhook``."""
    listen = add_leaf(
        webhook,
        "listen",
        _listen,
        "receive webhooks locally: verify and print each event",
        epilog="Point Volt or the sandbox at it: volt webhook register --url "
        f"http://127.0.0.1:{DEFAULT_PORT}/ . For the sandbox, pass --key-url "
        "http://127.0.0.1:8765/_sandbox/webhook-key . Exit codes: 2 bad arguments or "
        "no usable key; 130 stopped with Ctrl-C.",
    )
    listen.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    listen.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"default: {DEFAULT_PORT}; 0 picks a free port",
    )
    key = listen.add_mutually_exclusive_group()
    key.add_argument(
        "--key-url",
        metavar="URL",
        help="fetch the public key here (default: Volt's, "
        "https://callbacks.respondflow.com/id_rsa.pub)",
    )
    key.add_argument("--key-file", metavar="PATH", help="read the public key (PEM or ssh-rsa)")
    listen.add_argument("--json", action="store_true", help="print each event as one line of JSON")


def _summary(event: WebhookEvent) -> str:
    """One line for people: type, id, numbers, status, text."""
    from volt_sdk.webhooks import MessageEvent

    parts = [event.event_type]
    if isinstance(event, MessageEvent):
        message = event.payload
        parts.append(message.id or "-")
        parts.append(f"{message.from_number or '?'} -> {message.to_number or '?'}")
        if message.status:
            parts.append(message.status)
        if message.error_code is not None:
            parts.append(f"error {message.error_code}")
        if message.text:
            parts.append(repr(one_line(message.text)))
    elif event.id:
        parts.append(event.id)
    return "  ".join(parts)


def make_receiver(
    host: str,
    port: int,
    key: PublicKeyLike,
    on_event: Callable[[WebhookEvent], None],
    on_refusal: Callable[[str], None],
) -> ThreadingHTTPServer:
    """A bound HTTP server that verifies each POST and hands its event to ``on_event``.

    Answers 204 for a verified event, 401 for a bad or missing signature, 400
    for a verified body that is not an event, 413 for a body over the limit,
    411 without ``Content-Length``, 405 for other methods.
    """
    # Imported here, not at load time: every ``volt`` command loads this module.
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from volt_sdk.webhooks import (
        DEFAULT_MAX_BODY,
        WebhookBodyTooLargeError,
        WebhookParseError,
        WebhookSignatureError,
        parse_event,
    )

    class Receiver(BaseHTTPRequestHandler):
        server_version = "volt-webhook-listen"
        sys_version = ""

        def _answer(self, status: int, text: str = "") -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_POST(self) -> None:
            length_text = self.headers.get("Content-Length")
            if length_text is None or not length_text.strip().isdigit():
                self._answer(411, "Content-Length required\n")
                return
            length = int(length_text)
            if length > DEFAULT_MAX_BODY:
                on_refusal(f"body of {length} bytes is over {DEFAULT_MAX_BODY}")
                self.close_connection = True
                self._answer(413, "body too large\n")
                return
            body = self.rfile.read(length)
            headers = dict(self.headers.items())
            try:
                event = parse_event(headers, body, key)
            except WebhookBodyTooLargeError as exc:
                on_refusal(str(exc))
                self._answer(413, "body too large\n")
                return
            except WebhookSignatureError as exc:
                on_refusal(str(exc))
                self._answer(401, "signature refused\n")
                return
            except WebhookParseError as exc:
                on_refusal(str(exc))
                self._answer(400, "not an event\n")
                return
            on_event(event)
            self._answer(204)

        def do_GET(self) -> None:
            self._answer(405, "webhooks are POSTed\n")

        do_PUT = do_DELETE = do_PATCH = do_GET  # noqa: N815 - http.server method names

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per event is printed instead

    server = ThreadingHTTPServer((host, port), Receiver)
    server.daemon_threads = True
    return server


def _load_key(args: argparse.Namespace) -> PublicKeyLike:
    # ConfigurationError: the `volt` command prints it and exits 2.
    from volt_sdk import ConfigurationError
    from volt_sdk.webhooks import (
        DEFAULT_KEY_URL,
        WebhookKeyError,
        fetch_public_key,
        load_public_key,
    )

    try:
        if args.key_file is not None:
            try:
                with open(args.key_file, "rb") as file:
                    return load_public_key(file.read())
            except OSError as exc:
                raise ConfigurationError(
                    f"--key-file: cannot read {args.key_file!r}: {exc.strerror or exc}"
                ) from None
        return fetch_public_key(args.key_url or DEFAULT_KEY_URL)
    except WebhookKeyError as exc:
        flag = "--key-file" if args.key_file is not None else "--key-url"
        raise ConfigurationError(f"{flag}: {exc}") from None


def _listen(args: argparse.Namespace, out: Output) -> int:
    import importlib
    import threading

    from volt_sdk import ConfigurationError

    with needs(WEBHOOKS):
        importlib.import_module("volt_sdk.webhooks")
    key = _load_key(args)
    printing = threading.Lock()

    def on_event(event: WebhookEvent) -> None:
        with printing:
            if args.json:
                out.json_line(event.model_dump(mode="json"))
            else:
                print(_summary(event), flush=True)

    def on_refusal(reason: str) -> None:
        with printing:
            print(f"volt: refused a request: {reason}", file=sys.stderr, flush=True)

    try:
        server = make_receiver(args.host, args.port, key, on_event, on_refusal)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    with server:
        host, port = str(server.server_address[0]), int(server.server_address[1])
        shown = f"[{host}]" if ":" in host else host
        print(f"listening on http://{shown}:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
        server.serve_forever(poll_interval=0.2)
    return 0  # pragma: no cover - serve_forever returns only on shutdown()
