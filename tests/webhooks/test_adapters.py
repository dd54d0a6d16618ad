"""The framework adapters, each through its framework's own test client."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from starlette.applications import Starlette

from volt_sdk.webhooks import (
    DEFAULT_MAX_BODY,
    MemoryDedup,
    MessageReceivedEvent,
    WebhookEvent,
    WebhookReceiver,
)
from volt_sdk.webhooks import django as volt_django
from volt_sdk.webhooks import flask as volt_flask
from volt_sdk.webhooks import starlette as volt_starlette

from .frameworks import TestClient, django_client, django_settings, starlette_client
from .kit import FINALIZED, RECEIVED, UNKNOWN, private_key, signed

TOO_LARGE = b"x" * (DEFAULT_MAX_BODY + 1)


@pytest.fixture
def receiver() -> WebhookReceiver:
    hook = WebhookReceiver(keys=private_key().public_key(), dedup=MemoryDedup())
    hook.seen = []  # type: ignore[attr-defined]

    @hook.router.on(MessageReceivedEvent)
    async def on_reply(event: MessageReceivedEvent) -> None:
        await asyncio.sleep(0)
        hook.seen.append(event.payload.text)  # type: ignore[attr-defined]

    @hook.router.fallback
    def other(event: WebhookEvent) -> None:
        if event.event_type == "contact.merged":
            raise RuntimeError("secret detail")
        hook.seen.append(event.event_type)  # type: ignore[attr-defined]

    return hook


def statuses(post: Any, path: str) -> list[int]:
    """Handled, duplicate, forged, unsigned, malformed, too large, failing handler."""
    headers, body = signed(RECEIVED)
    answers = [
        post(path, content=body, headers=headers),
        post(path, content=body, headers=headers),
        post(path, content=body.replace(b"STOP", b"stop"), headers=headers),
        post(path, content=body),
        post(path, content=signed(b"[1, 2]")[1], headers=signed(b"[1, 2]")[0]),
        post(path, content=TOO_LARGE, headers=headers),
        post(path, content=signed(UNKNOWN)[1], headers=signed(UNKNOWN)[0]),
        post(path, content=signed(FINALIZED)[1], headers=signed(FINALIZED)[0]),
    ]
    assert b"secret" not in answers[6].content
    return [a.status_code for a in answers]


EXPECTED = [204, 204, 401, 401, 400, 413, 500, 204]


def test_starlette_route(receiver: WebhookReceiver) -> None:
    app = Starlette(routes=[volt_starlette.webhook_route(receiver, "/hook")])
    with TestClient(app) as client:
        assert statuses(client.post, "/hook") == EXPECTED
        assert client.get("/hook").status_code == 405
    assert receiver.seen == ["STOP", "message.finalized"]  # type: ignore[attr-defined]


def test_fastapi_route_and_decorator(receiver: WebhookReceiver) -> None:
    # FastAPI is no dependency of volt-sdk (the dev extra pins it; test-lowest has none).
    fastapi = pytest.importorskip("fastapi")
    app = fastapi.FastAPI()
    app.add_api_route(
        "/hook",
        volt_starlette.webhook_endpoint(receiver),
        methods=["POST"],
        include_in_schema=False,
    )
    got: list[WebhookEvent] = []

    @app.post("/other")  # type: ignore[untyped-decorator]  # fastapi is Any here
    @volt_starlette.webhook(receiver)
    def other(event: WebhookEvent) -> None:
        got.append(event)

    with starlette_client(app) as client:
        assert statuses(client.post, "/hook") == EXPECTED
        headers, body = signed({**RECEIVED, "id": "evt_9"})
        assert client.post("/other", content=body, headers=headers).status_code == 204
        assert client.post("/other", content=b"{}").status_code == 401
    assert [e.id for e in got] == ["evt_9"]


def test_starlette_refuses_a_streamed_body_over_the_limit_before_reading_it_all(
    receiver: WebhookReceiver,
) -> None:
    app = Starlette(routes=[volt_starlette.webhook_route(receiver, "/hook")])

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked
        for _ in range(3):
            yield b"x" * (DEFAULT_MAX_BODY // 2)

    with TestClient(app) as client:
        assert client.post("/hook", content=chunks()).status_code == 413


def test_flask_view_and_decorator(receiver: WebhookReceiver) -> None:
    app = Flask(__name__)
    app.add_url_rule("/hook", view_func=volt_flask.webhook_view(receiver), methods=["POST"])
    got: list[WebhookEvent] = []

    @app.post("/other")
    @volt_flask.webhook(receiver)
    async def other(event: WebhookEvent) -> None:
        got.append(event)

    client = app.test_client()

    def post(path: str, content: bytes, headers: dict[str, str] | None = None) -> Any:
        response = client.post(path, data=content, headers=headers or {})
        response.content = response.data  # type: ignore[attr-defined]  # as httpx's
        return response

    assert statuses(post, "/hook") == EXPECTED
    assert client.get("/hook").status_code == 405
    headers, body = signed({**RECEIVED, "id": "evt_9"})
    assert post("/other", body, headers).status_code == 204
    assert [e.id for e in got] == ["evt_9"]
    assert receiver.seen == ["STOP", "message.finalized"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_django_view(receiver: WebhookReceiver, asynchronous: bool) -> None:
    django_settings()
    from django.urls import path

    got: list[WebhookEvent] = []

    @volt_django.webhook(receiver, asynchronous=asynchronous)
    def other(event: WebhookEvent) -> None:
        got.append(event)

    client = django_client(  # CSRF checks on: Volt sends no token, the view is exempt
        [
            path("hook", volt_django.webhook_view(receiver, asynchronous=asynchronous)),
            path("other", other),
        ]
    )

    def post(path: str, content: bytes, headers: dict[str, str] | None = None) -> Any:
        return client.generic("POST", f"/{path.lstrip('/')}", content, headers=headers or {})

    assert statuses(post, "/hook") == EXPECTED
    assert client.get("/hook").status_code == 405
    headers, body = signed({**RECEIVED, "id": "evt_9"})
    assert post("/other", body, headers).status_code == 204
    assert [e.id for e in got] == ["evt_9"]
    assert receiver.seen == ["STOP", "message.finalized"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("framework", ["starlette", "flask", "django"])
def test_an_adapter_without_its_framework_names_the_extra(framework: str) -> None:
    code = (
        f"import sys; sys.modules[{framework!r}] = None\n"
        f"try:\n    import volt_sdk.webhooks.{framework}\n"
        "except ModuleNotFoundError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert f'pip install "volt-sdk[{framework}]"' in out.stdout


def test_importing_the_kit_imports_no_framework_nor_redis() -> None:
    code = (
        "import sys, volt_sdk, volt_sdk.webhooks\n"
        "heavy = ('starlette', 'fastapi', 'flask', 'werkzeug', 'django', 'redis')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
