"""The public API is exactly this list: adding or losing a name must be deliberate."""

from __future__ import annotations

import subprocess
import sys

import pytest

import volt_sdk

EXPECTED = {
    "Attempt",
    "AttemptHook",
    "RawResponse",
    "SchemaDriftError",
    "WaitTimeoutError",
    "DEFAULT_BASE_URL",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ERROR_CODES",
    "NOT_GIVEN",
    "APIError",
    "APIStatusError",
    "Account",
    "AioHttpClient",
    "AsyncVolt",
    "AuthenticationError",
    "BulkResult",
    "BulkStatus",
    "ConfigurationError",
    "Contact",
    "ContactCustomField",
    "ContactList",
    "ConversationPage",
    "ErrorCategory",
    "GraphQLError",
    "GraphQLErrorDetail",
    "InvalidMessageError",
    "InvalidPhoneNumberError",
    "LimiterUnavailableError",
    "MalformedResponseError",
    "Message",
    "MessageErrorCode",
    "MessageOutcomeUnknownError",
    "NotFoundError",
    "NotGiven",
    "OutgoingMessage",
    "PageInfo",
    "RateLimitError",
    "RecipientSuppressedError",
    "ResponseTooLargeError",
    "SegmentInfo",
    "StoreUnavailableError",
    "TransportError",
    "ValidationError",
    "Volt",
    "VoltConnectionError",
    "VoltError",
    "VoltTimeoutError",
    "Wave",
    "Webhook",
    "WebhookEventType",
    "__version__",
    "lookup_error_code",
    "message_segments",
    "normalize_phone",
    "parse_timestamp",
}


def test_the_public_names_are_exactly_the_expected_ones() -> None:
    assert set(volt_sdk.__all__) == EXPECTED


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert volt_sdk.__all__ == sorted(volt_sdk.__all__, key=lambda n: (not n.isupper(), n))
    for name in volt_sdk.__all__:
        assert getattr(volt_sdk, name) is not None


def test_every_public_class_and_function_has_a_docstring() -> None:
    for name in volt_sdk.__all__:
        value = getattr(volt_sdk, name)
        if isinstance(value, type) or callable(value):
            assert (value.__doc__ or "").strip(), name


def test_every_error_class_is_a_volt_error() -> None:
    for name in volt_sdk.__all__:
        value = getattr(volt_sdk, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, volt_sdk.VoltError), name


def test_public_models_carry_stable_names_not_operation_names() -> None:
    # The fragment (not the operation) names each model, so renaming an operation
    # in queries/ never renames a class that users import.
    for name in ("Message", "Contact", "ContactList", "Wave", "Webhook", "ConversationPage"):
        cls = getattr(volt_sdk, name)
        assert cls.__name__.endswith("Fields"), (name, cls.__name__)


def test_importing_volt_sdk_imports_no_extra_beyond_its_core_dependencies() -> None:
    # Measured against the core dependencies themselves: httpx, for one, imports
    # click by itself when it is installed.
    code = (
        "import sys, httpx, pydantic, phonenumbers; before = set(sys.modules); "
        "import volt_sdk; new = set(sys.modules) - before; "
        "print(sorted({m.split('.')[0] for m in new} - {'volt_sdk', 'volt_sdk_graphql'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    extras = {"uvicorn", "ariadne", "click", "typer", "cryptography", "rich", "graphql"}
    assert set(eval(out.stdout)) & extras == set()


def test_importing_volt_sdk_alone_defers_the_client_and_its_dependencies() -> None:
    code = (
        "import sys, volt_sdk; "
        "print(sorted(m for m in ('httpx', 'pydantic', 'phonenumbers', 'volt_sdk_graphql') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_is_lazily_importable_from_its_module() -> None:
    lazy = volt_sdk._LAZY
    assert set(lazy) == set(volt_sdk.__all__) - {"__version__"}
    code = "import volt_sdk; print(volt_sdk.Message.__name__, volt_sdk.VoltError.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["MessageFields", "volt_sdk._errors"]


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        (
            "from volt_sdk import OutgoingMessage, BulkResult",
            ("asyncio", "sqlite3", "volt_sdk._client"),
        ),
        ("from volt_sdk import Volt", ("asyncio", "sqlite3", "volt_sdk_graphql.async_client")),
    ],
)
def test_a_name_loads_only_what_it_needs(statement: str, absent: tuple[str, ...]) -> None:
    code = f"import sys; {statement}; print(sorted(m for m in {absent!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
