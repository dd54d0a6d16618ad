"""The HTTP surface: statuses and bodies, introspection, control routes, packaging."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import volt_sdk
from volt_sdk import AuthenticationError, Volt
from volt_sdk.sandbox import DEFAULT_NUMBERS, DEFAULT_TOKEN, Sandbox

from .conftest import OTHER

ROOT = Path(__file__).resolve().parents[2]

INTROSPECTION = """
query {
  __schema {
    queryType { name }
    mutationType { name }
    types { name kind }
  }
  __type(name: "Mutation") { fields { name args { name } } }
}
"""


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.url.removesuffix("/graphql"),
        headers={"Authorization": f"Bearer {sandbox.token}"},
    ) as client:
        yield client


def test_the_packaged_schema_is_byte_identical_to_the_clients_schema() -> None:
    packaged = Path(volt_sdk.__file__).parent / "sandbox" / "schema.graphql"
    assert packaged.read_bytes() == (ROOT / "queries" / "schema.graphql").read_bytes()


def test_the_defaults_are_the_documented_token_and_numbers() -> None:
    assert DEFAULT_TOKEN == "sandbox-token"
    assert DEFAULT_NUMBERS[0] == "+15555550123"
    assert Sandbox().numbers == DEFAULT_NUMBERS


def test_introspection_returns_the_schemas_types(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": INTROSPECTION})

    assert response.status_code == 200
    schema = response.json()["data"]["__schema"]
    names = {t["name"] for t in schema["types"]}
    assert {"Message", "Contact", "List", "Wave", "Webhook", "WebhookEventType"} <= names
    assert (schema["queryType"]["name"], schema["mutationType"]["name"]) == ("Query", "Mutation")
    mutations = {f["name"] for f in response.json()["data"]["__type"]["fields"]}
    assert "createWave" in mutations
    assert "createMessage" in mutations


def test_a_missing_or_wrong_token_is_a_401_with_graphql_errors(sandbox: Sandbox) -> None:
    query = {"query": "{ webhooks { id } }"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        response = httpx.post(sandbox.url, json=query, headers=headers)

        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        (error,) = response.json()["errors"]
        assert "Authorization" in error["message"] or "token" in error["message"]
        assert "wrong" not in response.text


def test_the_client_reports_a_bad_token_as_an_authentication_error(sandbox: Sandbox) -> None:
    with (
        Volt(base_url=sandbox.url, token="not-the-token") as volt,
        pytest.raises(AuthenticationError) as caught,
    ):
        volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="hi")

    assert caught.value.status_code == 401
    assert sandbox.outbox() == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not json", "not JSON"),
        (b"[]", "JSON object"),
        (b'{"variables": {}}', "'query'"),
        (b'{"query": "{ webhooks { id } }", "variables": [1]}', "variables"),
        (b'{"query": "{ webhooks { id } }", "operationName": 3}', "operationName"),
    ],
)
def test_a_body_that_is_not_a_graphql_request_is_a_400(
    http: httpx.Client, content: bytes, fragment: str
) -> None:
    response = http.post("/graphql", content=content)

    assert response.status_code == 400
    assert fragment in response.json()["errors"][0]["message"]


def test_a_document_that_does_not_validate_is_a_200_with_errors_and_null_data(
    http: httpx.Client,
) -> None:
    for query, code in (
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ webhooks { id ", "GRAPHQL_PARSE_FAILED"),
    ):
        response = http.post("/graphql", json={"query": query})

        assert response.status_code == 200
        payload = response.json()
        assert payload["data"] is None
        assert payload["errors"][0]["extensions"]["code"] == code
        assert payload["errors"][0]["locations"]


def test_a_resolver_refusal_is_a_200_with_a_path_and_null_data(http: httpx.Client) -> None:
    response = http.post(
        "/graphql",
        json={
            "query": 'mutation($to: String!) { createMessage(to: $to, from: "+15555550123",'
            ' body: "hi") { id } }',
            "variables": {"to": "5551234"},
        },
    )

    payload = response.json()
    assert response.status_code == 200
    assert payload["data"] == {"createMessage": None}
    (error,) = payload["errors"]
    assert error["path"] == ["createMessage"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "to"}
    assert "E.164" in error["message"]


def test_an_empty_message_is_refused_by_the_server(http: httpx.Client) -> None:
    response = http.post(
        "/graphql",
        json={"query": 'mutation { createMessage(to: "+15555550145", from: "+15555550123",'
              ' body: "  ", media: []) { id } }'},
    )  # fmt: skip

    assert "body" in response.json()["errors"][0]["message"]


def test_the_versioned_path_serves_graphql_too_and_others_are_404_or_405(
    http: httpx.Client,
) -> None:
    assert http.post("/v1.0/graphql", json={"query": "{ webhooks { id } }"}).status_code == 200
    assert http.get("/graphql").status_code == 405
    assert http.post("/elsewhere", json={}).status_code == 404


def test_the_control_routes_give_the_outbox_faults_and_reset(
    http: httpx.Client, volt: Volt, sandbox: Sandbox
) -> None:
    sent = volt.send_message(to=OTHER, from_=sandbox.numbers[0], body="hi", passthrough="p")

    outbox: list[dict[str, Any]] = http.get("/_sandbox/outbox").json()
    assert [(m["id"], m["status"], m["passthrough"]) for m in outbox] == [
        (sent.id, "delivered", "p")
    ]
    assert http.get("/_sandbox/faults").json()["rate_429"] == 0.0
    changed = http.post("/_sandbox/faults", json={"seed": 3, "latency": 0.001})
    assert changed.status_code == 200
    assert sandbox.faults.latency == 0.001
    assert http.post("/_sandbox/reset").json() == {"ok": True}
    assert http.get("/_sandbox/outbox").json() == []
    assert sandbox.faults.latency == 0.0


def test_the_control_routes_need_the_token_except_health(sandbox: Sandbox) -> None:
    base = sandbox.url.removesuffix("/graphql")

    assert httpx.get(f"{base}/_sandbox/health").json() == {"status": "ok"}
    assert httpx.get(f"{base}/_sandbox/outbox").status_code == 401
    assert httpx.post(f"{base}/_sandbox/reset").status_code == 401
    assert httpx.post(f"{base}/_sandbox/faults", json={"rate_429": 1}).status_code == 401
    assert sandbox.faults.rate_429 == 0.0


@pytest.mark.parametrize(
    "payload",
    [{"rate_429": 2}, {"rate_drop": 0.6, "rate_5xx": 0.6}, {"surprise": 1}, {"latency": "x"}, []],
)
def test_a_bad_fault_configuration_is_a_400_and_changes_nothing(
    http: httpx.Client, sandbox: Sandbox, payload: object
) -> None:
    response = http.post("/_sandbox/faults", content=json.dumps(payload))

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("faults:")
    assert not sandbox.faults.active


def test_an_inbound_message_can_be_injected_over_http(
    http: httpx.Client, volt: Volt, sandbox: Sandbox
) -> None:
    response = http.post(
        "/_sandbox/inbound",
        json={"from_number": OTHER, "to_number": sandbox.numbers[0], "body": "STOP"},
    )

    assert response.status_code == 200
    assert volt.get_message(response.json()["id"]).status == "received"
    refused = http.post("/_sandbox/inbound", json={"from_number": OTHER, "to_number": OTHER})
    assert refused.status_code == 400


@pytest.mark.anyio
async def test_the_app_runs_in_process_over_an_asgi_transport() -> None:
    sandbox = Sandbox(token="in-process")
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ webhooks { id } }"},
            headers={"Authorization": "Bearer in-process"},
        )
    sandbox.close()

    assert response.json() == {"data": {"webhooks": []}}


def test_volt_sdk_never_imports_the_sandbox_and_a_missing_extra_says_what_to_install() -> None:
    script = """
import sys
import volt_sdk
assert "volt_sdk.sandbox" not in sys.modules, "volt_sdk imported the sandbox"
assert "ariadne" not in sys.modules and "uvicorn" not in sys.modules
sys.modules["ariadne"] = None  # as if the extra were not installed
try:
    import volt_sdk.sandbox
except ModuleNotFoundError as exc:
    print(exc.name, exc)
else:
    raise SystemExit("imported without ariadne")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.startswith("ariadne ")
    assert 'pip install "volt-sdk[sandbox]"' in result.stdout


def test_the_relations_no_client_fragment_selects_resolve_too(
    http: httpx.Client, volt: Volt, sandbox: Sandbox
) -> None:
    sender = sandbox.numbers[0]
    volt.upsert_contact(phone_number=OTHER, account_phone=sender, name="Ann", blocked=False)
    sent = volt.send_message(to=OTHER, from_=sender, body="hi")
    query = """
    query($id: ID!, $p: String!, $n: String!) {
      message(id: $id) {
        account { primaryPhone createdBy organization { id } }
        organization { companyName isOnFreeTrial createdAt }
        contact { name organization { domain } }
        wave { id }
      }
      contact(primaryPhone: $p, phoneNumber: $n) { account { name } }
    }
    """

    payload = http.post(
        "/graphql", json={"query": query, "variables": {"id": sent.id, "p": sender, "n": OTHER}}
    ).json()

    assert "errors" not in payload
    message = payload["data"]["message"]
    assert message["account"]["primaryPhone"] == sender
    assert message["account"]["organization"]["id"] == "org_1"
    assert message["organization"]["isOnFreeTrial"] is False
    assert message["organization"]["createdAt"].endswith("Z")
    assert message["contact"]["name"] == "Ann"
    assert message["contact"]["organization"]["domain"]
    assert message["wave"] is None
    assert payload["data"]["contact"]["account"]["name"]
