"""Fixtures: one sandbox server for the module's tests, emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from volt_sdk import Volt
from volt_sdk.sandbox import Sandbox

OTHER = "+15555550145"
"""A number that is not the organization's: the other side of conversations."""


@pytest.fixture(scope="package")
def shared_sandbox() -> Iterator[Sandbox]:
    """One running sandbox for the whole package (starting one costs a few ms, stopping ~0.2 s)."""
    with Sandbox(page_size=5) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(shared_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox, empty and without faults."""
    shared_sandbox.reset()
    yield shared_sandbox
    shared_sandbox.reset()


@pytest.fixture
def volt(sandbox: Sandbox) -> Iterator[Volt]:
    with Volt(base_url=sandbox.url, token=sandbox.token) as client:
        yield client


@pytest.fixture
def sender(sandbox: Sandbox) -> str:
    """The organization's first number."""
    return sandbox.numbers[0]
