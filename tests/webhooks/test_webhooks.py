"""volt_sdk.webhooks: keys, the provisional signature scheme, typed events, hostile input."""

from __future__ import annotations

import base64
import inspect
import json
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from pytest_httpx import HTTPXMock

import volt_sdk
from volt_sdk import webhooks
from volt_sdk.webhooks import (
    DEFAULT_KEY_URL,
    MAX_SIGNATURE_CHARS,
    SIGNATURE_HEADER,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    MessageSentEvent,
    TestEvent,
    UnknownEvent,
    WebhookBodyTooLargeError,
    WebhookKeyError,
    WebhookParseError,
    WebhookSignatureError,
    clear_key_cache,
    event_from_json,
    fetch_public_key,
    load_public_key,
    parse_event,
    sign_body,
    verify_signature,
)

SENT = {
    "id": "evt_1",
    "event_type": "message.sent",
    "created_at": "2024-05-01T12:00:00.000Z",
    "payload": {
        "id": "msg_000000000001",
        "text": "Hi",
        "type": "sms",
        "to_number": "+15555550145",
        "from_number": "+15555550123",
        "direction": "outbound",
        "status": "sent",
    },
}
BODY = json.dumps(SENT).encode()


@pytest.fixture(scope="module")
def private_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def public_key(private_key: RSAPrivateKey) -> RSAPublicKey:
    return private_key.public_key()


@pytest.fixture(autouse=True)
def empty_key_cache() -> Iterator[None]:
    clear_key_cache()
    yield
    clear_key_cache()


def openssh(key: RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)


# -- keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "form"),
    [
        (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        (serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        (serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    ],
)
def test_load_public_key_reads_pem_spki_pkcs1_and_openssh(
    public_key: RSAPublicKey,
    encoding: serialization.Encoding,
    form: serialization.PublicFormat,
) -> None:
    text = public_key.public_bytes(encoding, form)
    assert load_public_key(text).public_numbers() == public_key.public_numbers()
    assert load_public_key(text.decode()).public_numbers() == public_key.public_numbers()


def test_load_public_key_reads_an_id_rsa_pub_line_with_comment_and_blank_lines(
    public_key: RSAPublicKey,
) -> None:
    text = b"\n# Volt\n" + openssh(public_key) + b" deploy@callbacks\n\n"
    assert load_public_key(text).public_numbers() == public_key.public_numbers()


@pytest.mark.parametrize(
    "text",
    [b"", b"   \n", b"hello", b"ssh-rsa AAAAnotbase64!!", b"-----BEGIN PUBLIC KEY-----\nxx\n"],
)
def test_load_public_key_refuses_text_that_is_not_a_key(text: bytes) -> None:
    with pytest.raises(WebhookKeyError):
        load_public_key(text)


def test_load_public_key_refuses_a_key_that_is_not_rsa() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    text = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    with pytest.raises(WebhookKeyError, match="not an RSA public key"):
        load_public_key(text)


def test_load_public_key_refuses_a_key_shorter_than_2048_bits() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(WebhookKeyError, match="1024 bits; at least 2048"):
        load_public_key(openssh(weak))


def test_key_errors_are_volt_errors() -> None:
    assert issubclass(WebhookKeyError, volt_sdk.VoltError)
    assert issubclass(WebhookSignatureError, volt_sdk.VoltError)
    assert issubclass(WebhookParseError, volt_sdk.VoltError)


def test_fetch_public_key_downloads_volts_key_once_and_caches_it(
    httpx_mock: HTTPXMock, public_key: RSAPublicKey
) -> None:
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=openssh(public_key))
    first = fetch_public_key()
    second = fetch_public_key()
    assert first is second
    assert first.public_numbers() == public_key.public_numbers()
    assert len(httpx_mock.get_requests()) == 1


def test_fetch_public_key_downloads_again_after_the_cache_is_cleared_or_refreshed(
    httpx_mock: HTTPXMock, public_key: RSAPublicKey
) -> None:
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=openssh(public_key), is_reusable=True)
    fetch_public_key()
    clear_key_cache()
    fetch_public_key()
    fetch_public_key(refresh=True)
    fetch_public_key(ttl=0)
    assert len(httpx_mock.get_requests()) == 4


def test_fetch_public_key_uses_the_given_url_and_client(
    httpx_mock: HTTPXMock, public_key: RSAPublicKey
) -> None:
    url = "http://127.0.0.1:8765/_sandbox/webhook-key"
    httpx_mock.add_response(url=url, content=openssh(public_key))
    with httpx.Client() as client:
        key = fetch_public_key(url, http_client=client, timeout=1.0)
    assert key.public_numbers() == public_key.public_numbers()
    (request,) = httpx_mock.get_requests()
    assert request.extensions["timeout"]["read"] == 1.0


def test_fetch_public_key_turns_a_non_2xx_answer_into_a_key_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=DEFAULT_KEY_URL, status_code=404)
    with pytest.raises(WebhookKeyError, match="HTTP 404"):
        fetch_public_key()


def test_fetch_public_key_turns_a_timeout_into_a_key_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    with pytest.raises(WebhookKeyError, match="no answer within 5s"):
        fetch_public_key()


def test_fetch_public_key_refuses_a_huge_answer(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=b"x" * 100_000)
    with pytest.raises(WebhookKeyError, match="over 65536 bytes"):
        fetch_public_key()


def test_a_failed_fetch_leaves_nothing_in_the_cache(
    httpx_mock: HTTPXMock, public_key: RSAPublicKey
) -> None:
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=b"garbage")
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=openssh(public_key))
    with pytest.raises(WebhookKeyError):
        fetch_public_key()
    assert fetch_public_key().public_numbers() == public_key.public_numbers()


# -- the signature --------------------------------------------------------------------


def test_a_signature_made_with_the_default_scheme_verifies(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    verify_signature(BODY, sign_body(BODY, private_key), public_key)


def test_the_default_scheme_is_pkcs1v15_sha256_over_the_raw_body_in_base64(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    from cryptography.hazmat.primitives.asymmetric import padding

    raw = private_key.sign(BODY, padding.PKCS1v15(), hashes.SHA256())
    verify_signature(BODY, base64.b64encode(raw).decode(), public_key)


def test_a_urlsafe_unpadded_signature_with_whitespace_verifies(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    signature = sign_body(BODY, private_key)
    urlsafe = signature.replace("+", "-").replace("/", "_").rstrip("=")
    verify_signature(BODY, f"  {urlsafe}\r\n", public_key)


@pytest.mark.parametrize(("hash_name", "padding_name"), [("sha512", "pss"), ("sha1", "pkcs1v15")])
def test_hash_and_padding_are_configurable(
    private_key: RSAPrivateKey, public_key: RSAPublicKey, hash_name: str, padding_name: str
) -> None:
    signature = sign_body(BODY, private_key, hash=hash_name, padding=padding_name)  # type: ignore[arg-type]
    verify_signature(BODY, signature, public_key, hash=hash_name, padding=padding_name)  # type: ignore[arg-type]
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(BODY, signature, public_key)


def test_the_key_may_be_given_as_its_text(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    verify_signature(BODY, sign_body(BODY, private_key), openssh(public_key).decode())


def test_an_unknown_hash_name_is_a_value_error(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    with pytest.raises(ValueError, match="hash: expected one of"):
        verify_signature(BODY, sign_body(BODY, private_key), public_key, hash="md5")  # type: ignore[arg-type]


# -- hostile input --------------------------------------------------------------------


def test_a_tampered_body_is_refused(private_key: RSAPrivateKey, public_key: RSAPublicKey) -> None:
    signature = sign_body(BODY, private_key)
    tampered = BODY.replace(b'"Hi"', b'"Ho"')
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(tampered, signature, public_key)


def test_a_body_reserialized_from_json_is_refused(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    signature = sign_body(BODY, private_key)
    reserialized = json.dumps(json.loads(BODY), separators=(",", ":")).encode()
    with pytest.raises(WebhookSignatureError):
        verify_signature(reserialized, signature, public_key)


def test_a_signature_made_with_another_key_is_refused(
    other_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(BODY, sign_body(BODY, other_key), public_key)


def test_a_signature_of_another_body_is_refused(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(BODY, sign_body(b'{"event_type":"message.sent"}', private_key), public_key)


def test_a_truncated_signature_is_refused_before_any_rsa_work(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    signature = sign_body(BODY, private_key)
    with pytest.raises(WebhookSignatureError, match="truncated"):
        verify_signature(BODY, signature[:-8], public_key)


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("", "empty"),
        ("   \t", "empty"),
        ("not base64 at all!", "not base64"),
        ("ümlaut", "not base64"),
        ("A", "bad length"),
        ("sha256=abc", "not base64"),
        ("A" * (MAX_SIGNATURE_CHARS + 1), "over 2048 characters"),
        ("A" * 10_000_000, "over 2048 characters"),
        (base64.b64encode(b"\x00" * 256).decode(), "does not match"),
    ],
)
def test_empty_garbage_and_huge_signatures_are_refused(
    public_key: RSAPublicKey, signature: str, reason: str
) -> None:
    with pytest.raises(WebhookSignatureError, match=reason):
        verify_signature(BODY, signature, public_key)


def test_an_oversized_body_is_refused_before_verification(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    body = b"{" + b" " * (1 << 20) + b"}"
    with pytest.raises(WebhookBodyTooLargeError, match="over the limit of 1048576 bytes"):
        verify_signature(body, "AAAA", public_key)
    small = sign_body(BODY, private_key)
    with pytest.raises(WebhookBodyTooLargeError):
        verify_signature(BODY, small, public_key, max_body=10)


def test_a_body_given_as_text_or_json_is_a_type_error(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    signature = sign_body(BODY, private_key)
    with pytest.raises(TypeError, match="raw request bytes"):
        verify_signature(BODY.decode(), signature, public_key)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="raw request bytes"):
        verify_signature(SENT, signature, public_key)  # type: ignore[arg-type]


def test_a_request_without_the_signature_header_is_refused(public_key: RSAPublicKey) -> None:
    with pytest.raises(WebhookSignatureError, match="no X-Respond-Flow-Signature header"):
        parse_event({"content-type": "application/json"}, BODY, public_key)


@pytest.mark.parametrize("body", [b"", b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{}"])
def test_a_signed_body_that_is_not_an_event_is_a_parse_error(
    private_key: RSAPrivateKey, public_key: RSAPublicKey, body: bytes
) -> None:
    headers = {SIGNATURE_HEADER: sign_body(body, private_key)}
    with pytest.raises(WebhookParseError):
        parse_event(headers, body, public_key)


def test_absurdly_deep_json_is_a_parse_error_not_a_crash() -> None:
    with pytest.raises(WebhookParseError, match="not JSON"):
        event_from_json(b"[" * 200_000 + b"]" * 200_000)


def test_a_known_event_with_fields_of_the_wrong_type_is_a_parse_error() -> None:
    body = json.dumps({"event_type": "message.sent", "payload": {"media": "one"}}).encode()
    with pytest.raises(WebhookParseError, match=r"payload\.media"):
        event_from_json(body)


# -- events ---------------------------------------------------------------------------


def test_parse_event_verifies_and_returns_a_typed_event_whatever_the_header_case(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    headers = {"x-respond-flow-signature": sign_body(BODY, private_key)}
    event = parse_event(headers, BODY, public_key)
    assert isinstance(event, MessageSentEvent)
    assert (event.id, event.payload.id, event.payload.text) == ("evt_1", "msg_000000000001", "Hi")
    assert event.payload.direction == "outbound"
    assert event.raw == SENT


def test_parse_event_takes_asgi_style_bytes_headers(
    private_key: RSAPrivateKey, public_key: RSAPublicKey
) -> None:
    headers = {b"x-respond-flow-signature": sign_body(BODY, private_key).encode()}
    assert isinstance(parse_event(headers, BODY, public_key), MessageSentEvent)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"event_type": "message.finalized", "payload": {"status": "failed", "error_code": 503}},
         MessageFinalizedEvent),
        ({"event_type": "message.received", "payload": {"body": "STOP"}}, MessageReceivedEvent),
        ({"event_type": "MESSAGE_RECEIVED", "payload": {"text": "STOP"}}, MessageReceivedEvent),
        ({"payload": {"event_type": "message.received", "text": "STOP"}}, MessageReceivedEvent),
        ({"event_type": "webhook.test", "payload": {"url": "https://x"}}, TestEvent),
        ({"event_type": "message.exploded", "payload": [1, 2]}, UnknownEvent),
        ({"event_type": "brand.created", "id": 7, "payload": "x"}, UnknownEvent),
    ],
)  # fmt: skip
def test_each_event_type_becomes_its_class_and_unknown_ones_an_unknown_event(
    document: dict[str, object], expected: type[webhooks.WebhookEvent]
) -> None:
    event = event_from_json(json.dumps(document).encode())
    assert type(event) is expected
    assert event.raw == document


def test_a_received_message_reads_its_text_from_text_or_body() -> None:
    event = event_from_json(b'{"event_type":"message.received","payload":{"body":"STOP"}}')
    assert isinstance(event, MessageReceivedEvent)
    assert event.payload.text == "STOP"


def test_an_unknown_event_keeps_its_raw_payload() -> None:
    event = event_from_json(b'{"event_type":"message.exploded","payload":{"boom":true}}')
    assert isinstance(event, UnknownEvent)
    assert event.event_type == "message.exploded"
    assert event.payload == {"boom": True}


def test_extra_fields_are_kept_not_refused() -> None:
    body = b'{"event_type":"message.sent","v":2,"payload":{"segments":3,"media":null}}'
    event = event_from_json(body)
    assert isinstance(event, MessageSentEvent)
    assert event.model_extra == {"v": 2}
    assert event.payload.model_extra == {"segments": 3}
    assert event.payload.media == []


def test_the_public_names_are_sorted_documented_and_importing_volt_sdk_stays_light() -> None:
    assert webhooks.__all__ == sorted(webhooks.__all__, key=lambda n: (not n.isupper(), n))
    for name in webhooks.__all__:
        assert hasattr(webhooks, name), name
        obj = getattr(webhooks, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, name
    assert "webhooks" not in volt_sdk.__all__
