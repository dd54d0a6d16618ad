"""A one-time-code service on FastAPI: sends codes, follows their receipts, honours STOP.

Run it (with the webhooks, starlette and redis extras, and FastAPI, installed)::

    export VOLT_API_TOKEN=...  VOLT_FROM_NUMBER=+15555550100
    export OTP_REDIS_URL=redis://127.0.0.1:6379/0  OTP_DB=otp.db
    uvicorn examples.otp_service:app --port 8788

then register its webhook: ``volt webhook register --url https://<host>/webhooks/volt``.
Against the sandbox, add ``VOLT_API_URL=http://127.0.0.1:8765/graphql`` and
``VOLT_WEBHOOK_KEY_URL=http://127.0.0.1:8765/_sandbox/webhook-key``.

- ``POST /codes`` ``{"phone": "+15555550145"}`` sends a code (201 ``{"id", "message_id",
  "status"}``); a number that texted STOP gets 403 and nothing is sent; a number that
  is not one gets 422. When Volt's answer is lost (the send may or may not have gone
  out), 202 with status ``unknown``: never sent twice, ``GET /codes/{id}`` tells once
  Volt's event arrives (the code's id is the send's ``passthrough``).
- ``GET /codes/{id}``: the delivery receipt (``message.finalized``) once Volt sent it.
- ``POST /codes/{id}/verify`` ``{"code": "123456"}``: 200 or 400; a code works once.
- ``POST /webhooks/volt``: Volt's events. The receiving kit records every STOP (and
  START) in the suppression list that the sending client reads, and every outbound
  message in the delivery log that ``GET /codes/{id}`` reads; the handlers reply.

Every worker of every host shares one rate limit (``RedisRateLimiter``), one
suppression list and one deduplication store through Redis; the delivery log is an
SQLite file (``OTP_DB``), so this layout is for the workers of one host (a
``RedisDeliveryLog`` would do for a fleet). See ``docs/suppression.md``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from volt_sdk import (
    AsyncVolt,
    MessageOutcomeUnknownError,
    RecipientSuppressedError,
    ValidationError,
)
from volt_sdk.limits import RedisRateLimiter
from volt_sdk.stores import RedisSuppressionList, SQLiteDeliveryLog, classify_keyword
from volt_sdk.webhooks import (
    DEFAULT_KEY_URL,
    KeyCache,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    RedisDedup,
    WebhookReceiver,
)
from volt_sdk.webhooks.starlette import webhook_endpoint

logger = logging.getLogger("otp_service")

CODE_TTL = 600
"""Seconds a code can be verified."""
STOP_CONFIRMATION = (
    "Acme codes: you are unsubscribed and will get no more messages. Reply START to resubscribe."
)
START_CONFIRMATION = "Acme codes: you are subscribed again. Reply STOP to unsubscribe."
HELP_REPLY = (
    "Acme codes sends one-time codes only; nobody reads replies. Reply STOP to unsubscribe."
)


@dataclass(frozen=True)
class Settings:
    """What the service needs; :meth:`from_environment` reads it from environment variables."""

    from_number: str
    """The Volt number codes go from (``VOLT_FROM_NUMBER``)."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    """The rate limit, the suppression list, deduplication and the codes (``OTP_REDIS_URL``)."""
    db: Path = Path("otp.db")
    """The SQLite delivery log (``OTP_DB``)."""
    key_url: str = DEFAULT_KEY_URL
    """Where Volt's webhook key is (``VOLT_WEBHOOK_KEY_URL``)."""
    rate: float = 10.0
    """Messages per second for all the service's processes together (``OTP_RATE``)."""
    volt_url: str | None = None
    """Volt's GraphQL URL; None reads ``VOLT_API_URL``, else Volt's own."""
    token: str | None = None
    """The API token; None reads ``VOLT_API_TOKEN``."""

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings from ``VOLT_FROM_NUMBER``, ``OTP_REDIS_URL``, ``OTP_DB``, ... ."""
        env = os.environ
        return cls(
            from_number=env["VOLT_FROM_NUMBER"],
            redis_url=env.get("OTP_REDIS_URL", cls.redis_url),
            db=Path(env.get("OTP_DB", str(cls.db))),
            key_url=env.get("VOLT_WEBHOOK_KEY_URL", DEFAULT_KEY_URL),
            rate=float(env.get("OTP_RATE", str(cls.rate))),
        )


class CodeRequest(BaseModel):
    """``POST /codes``: where to send a code."""

    phone: str


class CodeCheck(BaseModel):
    """``POST /codes/{id}/verify``: the code the user typed."""

    code: str


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class OtpService:
    """The stores, the clients and the webhook receiver, built once per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The kit's stores make blocking calls (in worker threads); the codes and the
        # rate limit are awaited.
        self.shared = redis.Redis.from_url(settings.redis_url)
        self.redis = aioredis.Redis.from_url(settings.redis_url)
        self.suppression = RedisSuppressionList(self.shared)
        self.deliveries = SQLiteDeliveryLog(settings.db)
        client: dict[str, Any] = {"base_url": settings.volt_url, "token": settings.token}
        # One limit for every process that uses this name, whatever client sends.
        limiter = RedisRateLimiter(client=self.redis, rate=settings.rate, name="otp")
        self.volt = AsyncVolt(
            **client,
            max_rate=limiter,
            suppression=self.suppression,
            deliveries=self.deliveries,
        )
        # CTIA: the one confirmation a STOP gets goes to a number that is now suppressed,
        # so it is sent by a client without the list (skip it if Volt auto-replies).
        self.confirmations = AsyncVolt(**client, max_rate=limiter)
        self.receiver = WebhookReceiver(
            keys=KeyCache(settings.key_url),
            dedup=RedisDedup(self.shared),
            suppression=self.suppression,
            deliveries=self.deliveries,
            max_age=24 * 3600,
        )
        self.receiver.router.on(MessageReceivedEvent)(self.on_reply)
        self.receiver.router.on(MessageFinalizedEvent)(self.on_receipt)

    async def aclose(self) -> None:
        """Close the clients."""
        await self.volt.close()
        await self.confirmations.close()
        await self.redis.aclose()
        self.shared.close()

    # -- the API ---------------------------------------------------------------------------

    async def send_code(self, request: CodeRequest) -> dict[str, str | None] | JSONResponse:
        """Send a new code to ``request.phone``."""
        code_id = f"otp_{secrets.token_hex(8)}"
        code = f"{secrets.randbelow(1_000_000):06d}"
        await self.redis.set(f"otp:code:{code_id}", _digest(code), ex=CODE_TTL)
        try:
            message = await self.volt.send_message(
                to=request.phone,
                from_=self.settings.from_number,
                body=f"Your Acme code is {code}. Reply STOP to unsubscribe.",
                passthrough=code_id,  # the delivery log finds the receipt by it
            )
        except RecipientSuppressedError:
            await self.redis.delete(f"otp:code:{code_id}")
            raise HTTPException(
                403, "this number unsubscribed (STOP); it can text START to resubscribe"
            ) from None
        except ValidationError as error:
            await self.redis.delete(f"otp:code:{code_id}")
            raise HTTPException(422, str(error)) from None
        except MessageOutcomeUnknownError:
            # Never resent blindly: the delivery log settles it when Volt's event comes.
            content = {"id": code_id, "message_id": None, "status": "unknown"}
            return JSONResponse(content, status_code=202)
        return {"id": code_id, "message_id": message.id, "status": message.status}

    async def code_status(self, code_id: str) -> dict[str, str | None]:
        """The code's message and its latest status, as Volt's events told."""
        # A blocking SQLite read: in a worker thread, not on the event loop.
        record = await asyncio.to_thread(self.deliveries.by_passthrough, code_id)
        if record is None:
            if not await self.redis.exists(f"otp:code:{code_id}"):
                raise HTTPException(404, "no such code")
            return {"id": code_id, "message_id": None, "status": "pending"}
        return {"id": code_id, "message_id": record.id, "status": record.status}

    async def verify(self, code_id: str, check: CodeCheck) -> dict[str, bool]:
        """Whether ``check.code`` is the code sent; a code is used once."""
        stored = await self.redis.getdel(f"otp:code:{code_id}")  # used once, even if wrong
        text = stored.decode() if isinstance(stored, bytes) else stored
        if text is None or not hmac.compare_digest(text, _digest(check.code)):
            raise HTTPException(400, "wrong or expired code")
        return {"verified": True}

    # -- the webhook handlers (the kit recorded STOP/START before they run) ----------------

    async def on_reply(self, event: MessageReceivedEvent) -> None:
        """Answer a text: confirm an opt-out or opt-in once, else say how to stop."""
        phone, ours = event.payload.from_number, event.payload.to_number
        if phone is None:
            return
        found = classify_keyword(event.payload.text)
        sender = ours or self.settings.from_number
        if found is not None and found[0] == "opt_out":
            await self.confirmations.send_message(to=phone, from_=sender, body=STOP_CONFIRMATION)
            return
        text = START_CONFIRMATION if found is not None else HELP_REPLY
        try:
            await self.volt.send_message(to=phone, from_=sender, body=text)
        except RecipientSuppressedError:
            logger.info("no reply to %s: unsubscribed", phone)

    def on_receipt(self, event: MessageFinalizedEvent) -> None:
        """The delivery log already has the status: log it."""
        payload = event.payload
        logger.info("code message %s: %s", payload.id, payload.status)


def make_app(settings: Settings) -> FastAPI:
    """The service's app: the code endpoints and Volt's webhook route."""
    service = OtpService(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await service.aclose()

    app = FastAPI(title="One-time codes", lifespan=lifespan)
    app.add_api_route(
        "/codes", service.send_code, methods=["POST"], status_code=201, response_model=None
    )
    app.add_api_route("/codes/{code_id}", service.code_status, methods=["GET"])
    app.add_api_route("/codes/{code_id}/verify", service.verify, methods=["POST"])
    app.add_api_route(
        "/webhooks/volt",
        webhook_endpoint(service.receiver),
        methods=["POST"],
        include_in_schema=False,
    )
    app.state.service = service
    return app


def __getattr__(name: str) -> FastAPI:
    # ``uvicorn examples.otp_service:app`` builds it from the environment; importing the
    # module (tests, make_app) needs no environment.
    if name == "app":
        return make_app(Settings.from_environment())
    raise AttributeError(name)
