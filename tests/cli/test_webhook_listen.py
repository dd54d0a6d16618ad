"""``volt webhook listen``: a local receiver that verifies and prints each event."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from volt_sdk._cli._webhook_listen import make_receiver
from volt_sdk.webhooks import SIGNATURE_HEADER, MessageReceivedEvent, WebhookEvent, sign_body

from .helpers import RunVolt

STOP = json.dumps(
    {
        "id": "evt_1",
        "event_type": "message.received",
        "payload": {"id": "msg_7", "text": "STOP", "from_number": "+15555550145",
                    "to_number": "+15555550123", "direction": "inbound", "status": "received"},
    }
).encode()  # fmt: skip


@pytest.fixture(scope="module")
def private_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key_file(private_key: RSAPrivateKey, tmp_path: Path) -> Path:
    path = tmp_path / "id_rsa.pub"
    path.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    )
    return path


class Received:
    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.refusals: list[str] = []


@pytest.fixture
def receiver(private_key: RSAPrivateKey) -> Iterator[tuple[str, Received]]:
    seen = Received()
    server = make_receiver(
        "127.0.0.1", 0, private_key.public_key(), seen.events.append, seen.refusals.append
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_receiver_answers_204_to_a_signed_event_and_hands_it_on(
    receiver: tuple[str, Received], private_key: RSAPrivateKey
) -> None:
    url, seen = receiver
    answer = httpx.post(url, content=STOP, headers={SIGNATURE_HEADER: sign_body(STOP, private_key)})
    assert answer.status_code == 204
    (event,) = seen.events
    assert isinstance(event, MessageReceivedEvent)
    assert event.payload.text == "STOP"


def test_the_receiver_refuses_forged_unsigned_and_malformed_requests(
    receiver: tuple[str, Received], private_key: RSAPrivateKey
) -> None:
    url, seen = receiver
    signature = sign_body(STOP, private_key)
    forged = httpx.post(url, content=STOP + b" ", headers={SIGNATURE_HEADER: signature})
    unsigned = httpx.post(url, content=STOP)
    garbage = b"{not json"
    malformed = httpx.post(
        url, content=garbage, headers={SIGNATURE_HEADER: sign_body(garbage, private_key)}
    )
    huge = httpx.post(url, content=b"x" * ((1 << 20) + 1), headers={SIGNATURE_HEADER: signature})
    assert [r.status_code for r in (forged, unsigned, malformed, huge)] == [401, 401, 400, 413]
    assert httpx.get(url).status_code == 405
    assert seen.events == []
    assert len(seen.refusals) == 4


def test_listen_without_a_readable_key_file_is_a_usage_error(volt: RunVolt, tmp_path: Path) -> None:
    run = volt("webhook", "listen", "--key-file", str(tmp_path / "missing.pub"))
    assert run.code == 2
    assert "--key-file: cannot read" in run.err


def test_listen_with_a_file_that_is_not_a_key_exits_2(volt: RunVolt, tmp_path: Path) -> None:
    path = tmp_path / "key.pub"
    path.write_text("not a key")
    run = volt("webhook", "listen", "--key-file", str(path))
    assert run.code == 2
    assert "--key-file: not a public key" in run.err


def test_listen_prints_each_event_and_exits_130_on_ctrl_c(
    key_file: Path, private_key: RSAPrivateKey
) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "volt_sdk._cli", "webhook", "listen", "--port", "0",
         "--key-file", str(key_file), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:  # fmt: skip
        try:
            assert process.stderr is not None
            assert process.stdout is not None
            ready = process.stderr.readline()
            assert ready.startswith("listening on http://127.0.0.1:"), ready
            url = ready.split()[2]
            answer = httpx.post(
                url, content=STOP, headers={SIGNATURE_HEADER: sign_body(STOP, private_key)}
            )
            assert answer.status_code == 204
            printed = json.loads(process.stdout.readline())
            assert (printed["event_type"], printed["payload"]["text"]) == (
                "message.received",
                "STOP",
            )
            process.send_signal(signal.SIGINT)
            assert process.wait(10) == 130
            assert "interrupted" in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()


def test_webhook_listen_without_the_extra_says_which_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['cryptography'] = None  # as in an install without the extra\n"
        "from volt_sdk._cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "webhook", "listen", "--key-file", "key.pem"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=60,
    )

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        'volt: volt webhook listen needs the webhooks extra: pip install "volt-sdk[webhooks]"\n'
    )
