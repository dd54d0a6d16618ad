"""The README's OpenTelemetry example runs as written, against a mocked Volt.

It sets OpenTelemetry's global providers, so it runs here, under the fixture
that puts the API's globals back afterwards (``tests/repo/test_readme.py``
leaves it out for that reason).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import export as metrics_export
from opentelemetry.sdk.trace import export as trace_export
from pytest_httpx import HTTPXMock

from tests.payloads import TOKEN, message_data

from .conftest import Telemetry

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_opentelemetry_example_prints_the_span_and_the_metrics_of_a_send(
    install_telemetry: Callable[..., Telemetry],
    httpx_mock: HTTPXMock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The console exporters default to the sys.stdout of their import: give them the test's.
    monkeypatch.setattr(
        trace_export,
        "ConsoleSpanExporter",
        partial(trace_export.ConsoleSpanExporter, out=sys.stdout),
    )
    monkeypatch.setattr(
        metrics_export,
        "ConsoleMetricExporter",
        partial(metrics_export.ConsoleMetricExporter, out=sys.stdout),
    )
    (source,) = [b for b in BLOCKS if "set_tracer_provider" in b]
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})

    out = capsys.readouterr().out
    assert '"name": "mutation CreateMessage"' in out
    assert '"volt.message.to": "+*******0145"' in out
    for name in ("volt.client.calls", "volt.client.call.duration"):
        assert f'"name": "{name}"' in out
    for private in ("654312", "+15555550145", "+15555550123", TOKEN):
        assert private not in out
