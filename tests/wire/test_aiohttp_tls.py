"""``AioHttpClient`` over TLS, as to the real API: verified, and refused before sending.

A local HTTPS server with a certificate made for the test (cryptography): with
that certificate trusted (``verify=``), a send goes through; with the default
trust store, the certificate is refused while connecting, which is a failure
that surely never left (so a send may be retried, and nothing reached the server).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.payloads import FROM, TO, message_data
from volt_sdk import AioHttpClient, AsyncVolt, Message, VoltConnectionError

pytestmark = pytest.mark.anyio


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsServer:
    """Answers every request with a valid createMessage; counts the requests it read."""

    def __init__(self) -> None:
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            writer.close()
            return
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        self.requests += 1
        body = json.dumps({"data": {"createMessage": message_data()}}).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def tls(tmp_path: Path) -> AsyncIterator[tuple[str, Path, TlsServer]]:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    state = TlsServer()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://localhost:{port}/graphql", cert, state
    finally:
        server.close()
        await server.wait_closed()


async def test_a_send_over_verified_tls_goes_through(
    tls: tuple[str, Path, TlsServer],
) -> None:
    url, cert, state = tls
    trusted = ssl.create_default_context(cafile=str(cert))
    async with (
        AioHttpClient(verify=trusted) as http,
        AsyncVolt(base_url=url, http_client=http, max_retries=0) as volt,
    ):
        message = await volt.send_message(to=TO, from_=FROM, body="hi")
    assert isinstance(message, Message)
    assert state.requests == 1


async def test_an_untrusted_certificate_is_refused_before_anything_is_sent(
    tls: tuple[str, Path, TlsServer],
) -> None:
    url, _, state = tls
    async with (
        AioHttpClient() as http,
        AsyncVolt(base_url=url, http_client=http, max_retries=0) as volt,
    ):
        with pytest.raises(VoltConnectionError) as caught:
            await volt.send_message(to=TO, from_=FROM, body="hi")
    assert caught.value.request_sent is False
    assert "Certificate" in str(caught.value)
    assert state.requests == 0
