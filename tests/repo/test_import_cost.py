"""What ``from volt_sdk import Volt`` (or ``AsyncVolt``) loads, pinned without timing.

``bench/imports.py`` measures the cost (target: at most 1.4x ``import httpx,
pydantic, phonenumbers``); these tests pin what keeps it there, in a fresh
interpreter each: no pydantic model is built at import (the generated models load
with the first call, which needs them), httpcore waits for the first HTTP
transport as it does for httpx itself, and a program loads one client only.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Loaded by the first call or the first client, never by the import.
DEFERRED = (
    "pydantic.main",  # the machinery of any pydantic model (``import pydantic`` is lazy)
    "volt_sdk_graphql.base_model",
    "volt_sdk_graphql.fragments",
    "volt_sdk_graphql.input_types",
    "volt_sdk_graphql.client",
    "volt_sdk_graphql.async_client",
    "volt_sdk._models",
    "volt_sdk._client._conversations",
    "httpcore",  # httpx imports it when a transport is built: so do we
    "h11",
    "anyio",
)
ASYNC_CLIENT = (
    "volt_sdk._client._async_client",
    "volt_sdk._client._async_messages",
    "volt_sdk._client._async_account",
)
SYNC_CLIENT = (
    "volt_sdk._client._sync_client",
    "volt_sdk._client._sync_messages",
    "volt_sdk._client._sync_account",
)


def loaded(statement: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after ``statement``."""
    code = (
        f"import sys\n{statement}\n"
        f"import json; print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: list[str] = json.loads(out.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("from volt_sdk import Volt", DEFERRED + ASYNC_CLIENT),
        ("from volt_sdk import AsyncVolt", DEFERRED + SYNC_CLIENT),
        ("from volt_sdk._client import Volt", DEFERRED + ASYNC_CLIENT),
        ("from volt_sdk._client import AsyncVolt", DEFERRED + SYNC_CLIENT),
    ],
)
def test_importing_a_client_builds_no_model_and_loads_one_client(
    statement: str, absent: tuple[str, ...]
) -> None:
    # What httpx loads by itself is httpx's cost, not ours: `import httpx` loads
    # httpcore, h11 and anyio before 0.28 (the lowest httpx volt-sdk allows is 0.27).
    by_httpx = loaded("import httpx", absent)
    assert set(by_httpx) <= {"httpcore", "h11", "anyio"}, by_httpx
    assert loaded(statement, absent) == by_httpx


def test_the_first_client_and_call_load_what_they_need() -> None:
    # The saving is not a missing import: a client on httpx's own transport
    # loads httpcore (the deadline backend), and a call loads the models.
    statement = (
        "import httpx\n"
        "from volt_sdk import Volt\n"
        "Volt(token='t').close()\n"
        "assert 'httpcore' in sys.modules, 'no deadline backend'\n"
        "assert 'volt_sdk_graphql.fragments' not in sys.modules, 'models before a call'\n"
        "answer = {'data': {'createMessage': {'id': 'msg_1', 'legacyId': None,\n"
        "    'toNumber': '+15555550145', 'fromNumber': '+15555550123', 'status': 'queued',\n"
        "    'statusDescription': None, 'media': [], 'body': 'hi', 'sentAt': None,\n"
        "    'confirmedAt': None, 'errorCode': None}}}\n"
        "transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))\n"
        "with Volt(token='t', http_client=httpx.Client(transport=transport)) as volt:\n"
        "    message = volt.send_message(to='+15555550145', from_='+15555550123', body='hi')\n"
        "assert type(message).__name__ == 'MessageFields', message\n"
    )
    assert loaded(statement, ("httpcore", "volt_sdk_graphql.fragments", "pydantic.main")) == [
        "httpcore",
        "pydantic.main",
        "volt_sdk_graphql.fragments",
    ]


def test_both_clients_stay_importable_from_the_client_package() -> None:
    import volt_sdk
    import volt_sdk._client

    assert volt_sdk._client.Volt is volt_sdk.Volt
    assert volt_sdk._client.AsyncVolt is volt_sdk.AsyncVolt
    assert sorted(volt_sdk._client.__all__) == ["AsyncVolt", "Volt"]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = volt_sdk._client.Nope
