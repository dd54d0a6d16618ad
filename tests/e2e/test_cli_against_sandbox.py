"""Every ``volt`` command against the local sandbox, over real loopback HTTP.

These use the ``volt_sandbox`` fixture that volt-sdk ships for its users, so they
also prove that fixture works as documented.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from volt_sdk._cli import main
from volt_sdk.sandbox import MAGIC_NUMBERS, Sandbox

FROM = "+15555550123"
TO = "+15555550145"
BODY = "Your One Time Code is 654312\n\nReply STOP to opt-out."


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_send_delivers_the_documented_example_and_the_outbox_has_it(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "send", "--to", TO, "--from", FROM, "--body", BODY, "--wait")
    assert code == 0, err
    assert "delivered" in out
    (sent,) = volt_sandbox.outbox()
    assert (sent.to_number, sent.from_number, sent.body) == (TO, FROM, BODY)


def test_send_json_prints_the_message_as_volt_returned_it(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    message = run_json(
        capsys,
        "send",
        "--to", "+1 (555) 555-0145",
        "--from", FROM,
        "--body", "hi",
        "--media", "https://example.com/a.png",
        "--passthrough", "order-7",
    )  # fmt: skip
    assert message["toNumber"] == TO
    assert message["media"] == ["https://example.com/a.png"]
    assert volt_sandbox.outbox()[0].passthrough == "order-7"
    again = run_json(capsys, "message", "get", message["id"])
    assert again["id"] == message["id"]
    assert again["status"] == "delivered"


def test_a_magic_number_fails_and_the_cli_says_why_with_exit_1(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    number = next(n for n, outcome in MAGIC_NUMBERS.items() if "503" in str(outcome))
    code, out, err = run(capsys, "send", "--to", number, "--from", FROM, "--body", "hi", "--wait")
    assert code == 1
    assert "503" in out + err


def test_a_number_the_organization_does_not_own_is_refused_by_the_server(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "send", "--to", TO, "--from", "+15555550199", "--body", "hi")
    assert code == 1
    assert err.startswith("volt: ")
    assert len(err.strip().splitlines()) == 1
    assert volt_sandbox.outbox() == []


def test_a_wrong_token_is_one_line_and_exit_1(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "message", "get", "msg_1", "--token", "wrong")
    assert code == 1
    assert "401" in err
    assert "Traceback" not in err


def test_conversation_lists_every_page(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(3):
        run_json(capsys, "send", "--to", TO, "--from", FROM, "--body", f"m{i}")
    page = run_json(capsys, "conversation", "--to", TO, "--from", FROM)
    assert [m["body"] for m in page["messages"]] == ["m2", "m1", "m0"]
    assert page["pageInfo"]["totalItems"] == 3
    code, out, err = run(capsys, "conversation", "--to", TO, "--from", FROM, "--all")
    assert code == 0, err
    assert all(f"m{i}" in out for i in range(3))


def test_contacts_can_be_upserted_and_read_back(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    created = run_json(
        capsys,
        "contact", "upsert",
        "--phone", TO, "--account-phone", FROM, "--name", "Ada",
        "--not-blocked", "--field", "plan=gold",
    )  # fmt: skip
    assert created["name"] == "Ada"
    read = run_json(capsys, "contact", "get", "--phone", TO, "--primary-phone", FROM)
    assert read["id"] == created["id"]
    assert read["customFields"] == [{"key": "plan", "value": "gold"}]
    assert read["blocked"] is False


def test_a_missing_contact_is_not_found_with_exit_1(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "contact", "get", "--phone", TO, "--primary-phone", FROM)
    assert code == 1
    assert "not found" in err


def test_lists_can_be_created_filled_and_read(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    created = run_json(capsys, "list", "upsert", "--primary-phone", FROM, "--name", "VIP")
    assert created["name"] == "VIP"
    added = run_json(
        capsys, "list", "add", "--primary-phone", FROM, "--name", "VIP", TO, "+15555550146"
    )
    assert added["size"] == 2
    read = run_json(capsys, "list", "get", "--primary-phone", FROM, "--name", "VIP")
    assert read["size"] == 2


def test_webhooks_can_be_registered_listed_and_deleted(
    volt_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = run_json(
        capsys,
        "webhook", "register",
        "--url", "https://example.com/volt", "--primary-phone", FROM, "--event", "MESSAGE_SENT",
    )  # fmt: skip
    assert hook["eventTypes"] == ["MESSAGE_SENT"]
    assert [h["id"] for h in run_json(capsys, "webhook", "list")] == [hook["id"]]
    deleted = run_json(capsys, "webhook", "delete", hook["id"])
    assert deleted["id"] == hook["id"]
    assert run_json(capsys, "webhook", "list") == []


def _volt(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    return subprocess.Popen(
        [sys.executable, "-m", "volt_sdk._cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def _wait_for_exports(proc: subprocess.Popen[str]) -> dict[str, str]:
    exports: dict[str, str] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    while len(exports) < 2 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("export VOLT_API_"):
            key, _, value = line.removeprefix("export ").strip().partition("=")
            exports[key] = value
    return exports


def test_volt_sandbox_serves_until_interrupted_and_keeps_state_in_its_db(tmp_path: Path) -> None:
    db = str(tmp_path / "volt.db")
    ids: list[str] = []
    for _ in range(2):  # the second start must find the first run's message
        server = _volt("sandbox", "--port", "0", "--db", db)
        try:
            env = _wait_for_exports(server)
            assert set(env) == {"VOLT_API_URL", "VOLT_API_TOKEN"}
            assert env["VOLT_API_URL"].startswith("http://127.0.0.1:")
            if ids:
                got = _volt("message", "get", ids[0], "--json", env=env)
                out, err = got.communicate(timeout=30)
                assert got.returncode == 0, err
                assert json.loads(out)["id"] == ids[0]
            else:
                sent = _volt(
                    "send", "--to", TO, "--from", FROM, "--body", "persist me", "--json", env=env
                )
                out, err = sent.communicate(timeout=30)
                assert sent.returncode == 0, err
                ids.append(json.loads(out)["id"])
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=20)
        assert server.returncode in (0, 130, -signal.SIGINT)


def test_the_demo_sends_the_example_and_leaves_nothing_running() -> None:
    script = Path(__file__).parents[2] / "scripts" / "demo.sh"
    venv_volt = Path(sys.executable).parent / "volt"
    if not venv_volt.exists():
        pytest.skip("the volt console script is not installed next to this Python")
    result = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "delivered" in result.stdout
    assert "Your One Time Code is 654312" in result.stdout
    leftover = subprocess.run(
        ["pgrep", "-f", "volt_sdk._cli sandbox|volt sandbox --port 0 --pace"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert leftover.stdout.strip() == ""
