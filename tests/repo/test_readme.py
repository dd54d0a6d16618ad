"""The README's Python examples run as written (against a mocked Volt)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.e2e.sandbox_process import SERVE, TOKEN, control, readline
from tests.payloads import message_data

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
# The examples of a test and of reconciliation get their own tests below (the
# logging one in tests/client/test_logging.py: it sets a level that must not
# outlive it); the others run as scripts against a mocked Volt.
SPECIAL = (
    "def test_",
    "reconcile_message",
    "volt_sdk.webhooks",
    "AioHttpClient",
    'getLogger("volt_sdk")',
    "wait_for_status(",
    # tests/telemetry/test_readme_example.py: it sets OpenTelemetry's global providers.
    "set_tracer_provider",
)
SCRIPTS = [b for b in BLOCKS if not any(marker in b for marker in SPECIAL)]


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("source", SCRIPTS, ids=[f"block{i}" for i in range(len(SCRIPTS))])
def test_a_readme_example_runs(
    source: str,
    httpx_mock: HTTPXMock,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.chdir(tmp_path)  # an example may write a file (a bulk journal)
    if "REDIS_URL" in source:  # a shared limit (volt_sdk.limits): the suite's redis-server
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
    httpx_mock.add_response(
        json={"data": {"createMessage": message_data()}},
        is_optional=True,
        is_reusable=True,
    )
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    if "print(" in source:
        assert capsys.readouterr().out.strip()


def test_the_testing_your_code_example_passes_against_the_sandbox(volt_sandbox: Any) -> None:
    (source,) = [b for b in BLOCKS if "def test_sends_the_code" in b]
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
    namespace["test_sends_the_code"](volt_sandbox)


def test_the_performance_example_sends_over_aiohttp_to_a_sandbox_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # aiohttp's sockets are beyond httpx's mocks: the example meets a real server.
    (source,) = [b for b in BLOCKS if "AioHttpClient" in b]
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        ready = readline(process, timeout=30.0)
        assert ready.startswith("READY "), ready
        url = ready.split()[1]
        monkeypatch.setenv("VOLT_API_URL", url)
        monkeypatch.setenv("VOLT_API_TOKEN", TOKEN)
        exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
        assert capsys.readouterr().out.strip() == "100 sent"
        assert len(control(url, "GET", "outbox")) == 100
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_waiting_example_follows_the_message_until_delivered(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], fake_clock: FakeClock
) -> None:
    (source,) = [b for b in BLOCKS if "wait_for_status(" in b]
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    for status in ("queued", "sent", "delivered"):
        httpx_mock.add_response(json={"data": {"message": message_data(status=status)}})
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    assert capsys.readouterr().out.splitlines() == [
        "now queued", "now sent", "now delivered", "final: delivered",
    ]  # fmt: skip


def test_the_outcome_unknown_example_reconciles_a_send_that_got_a_503(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    (source,) = [b for b in BLOCKS if "reconcile_message" in b]
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(
        json={
            "data": {
                "conversation": {
                    "messages": [message_data(body="Your code is 654312")],
                    "pageInfo": {"totalItems": 1},
                }
            }
        }
    )
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    assert capsys.readouterr().out.strip() == "sent"


def test_the_webhook_example_verifies_a_signed_stop_and_refuses_a_forged_one(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from volt_sdk.webhooks import DEFAULT_KEY_URL, WebhookSignatureError, clear_key_cache, sign_body

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    openssh = private_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    clear_key_cache()
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=openssh)
    (source,) = [b for b in BLOCKS if "volt_sdk.webhooks" in b]
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
    body = json.dumps(
        {
            "id": "evt_1",
            "event_type": "message.received",
            "payload": {"text": "STOP", "from_number": "+15555550145", "direction": "inbound"},
        }
    ).encode()
    headers = {"x-respond-flow-signature": sign_body(body, private_key)}

    assert namespace["handle"](headers, body) == 204
    assert capsys.readouterr().out.strip() == "opt out +15555550145"
    with pytest.raises(WebhookSignatureError):
        namespace["handle"](headers, body.replace(b"STOP", b"HELP"))
    clear_key_cache()
