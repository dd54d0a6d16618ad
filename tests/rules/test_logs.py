"""The package's loggers mask phone numbers, and ``VOLT_LOG`` configures them (issue 13).

What a client run writes with ``VOLT_LOG`` set is in ``tests/client/test_logging.py``;
here: the masking filter, the retry line's cause, and ``setup_from_env`` itself.
"""

from __future__ import annotations

import ast
import importlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.payloads import TO
from volt_sdk import _logs
from volt_sdk._errors import APIStatusError, RateLimitError, VoltConnectionError
from volt_sdk._logs import MASK, error_summary, package_logger, setup_from_env

PACKAGE = Path(__file__).resolve().parents[2] / "volt_sdk"
MASKED = "+*******0145"  # TO, as every log line shows it


# -- masking ------------------------------------------------------------------------------


def test_a_number_passed_as_an_argument_is_masked_in_the_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="volt_sdk"):
        package_logger().info("sent to %s from %s", TO, "+1 (555) 555-0123")
    (record,) = caplog.records
    assert record.getMessage() == f"sent to {MASKED} from +* (***) ***-0123"
    assert TO not in caplog.text


def test_a_number_written_into_the_format_string_is_masked_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="volt_sdk"):
        package_logger().info(f"sent to {TO}")
    assert caplog.records[0].getMessage() == f"sent to {MASKED}"


def test_a_child_loggers_records_are_masked_when_they_reach_a_handler_up_the_tree(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A logger's filters skip records that propagate from its children: the
    # sandbox's logger carries the filter itself.
    import volt_sdk.sandbox._app  # noqa: F401 - creates the sandbox's logger

    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    handler = Collect()
    parent = logging.getLogger("volt_sdk")
    parent.addHandler(handler)  # the user's own handler, on the parent
    try:
        with caplog.at_level(logging.WARNING, logger="volt_sdk"):
            logging.getLogger("volt_sdk.sandbox").warning("no webhook for %s", TO)
    finally:
        parent.removeHandler(handler)
    assert seen == [f"no webhook for {MASKED}"]
    assert [r.getMessage() for r in caplog.records] == [f"no webhook for {MASKED}"]


def test_every_logger_of_the_package_masks() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "__main__.py":  # runs the CLI
            module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
            importlib.import_module(module.removesuffix(".__init__"))
    package_logger("volt_sdk.cli")  # made when send-bulk picks its transport
    names = [n for n in logging.Logger.manager.loggerDict if n.split(".")[0] == "volt_sdk"]
    assert {"volt_sdk", "volt_sdk.sandbox", "volt_sdk.cli"} <= set(names)
    unmasked = [n for n in names if MASK not in logging.getLogger(n).filters]
    assert unmasked == []


def test_no_module_makes_a_child_logger_but_through_package_logger() -> None:
    # A child made by logging.getLogger would log without the filter. The parent
    # "volt_sdk" is the same object as the wire's package_logger(), so masked.
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_logs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "getLogger"
                and not (
                    len(node.args) == 1
                    and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value == "volt_sdk"
                )
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_a_traceback_is_masked_and_no_formatter_can_render_the_raw_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="volt_sdk"):
        try:
            raise ValueError(f"cannot text {TO}")
        except ValueError:
            package_logger().exception("failed")
    (record,) = caplog.records
    assert record.exc_info is None
    assert record.exc_text is not None
    assert f"ValueError: cannot text {MASKED}" in record.exc_text
    assert TO not in caplog.text
    assert TO not in logging.Formatter().format(record)


def test_a_stack_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="volt_sdk"):
        package_logger().warning("here", stack_info=True)  # a stack shows this: +15555550145
    assert "+15555550145" not in caplog.text
    assert MASKED in (caplog.records[0].stack_info or "")


def test_arguments_that_do_not_fit_the_format_are_still_masked_and_never_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="volt_sdk"):
        package_logger().info("%d messages", TO)
    assert caplog.records[0].getMessage() == f"%d messages ('{MASKED}',)"


def test_masking_twice_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord("volt_sdk", logging.INFO, __file__, 1, "to %s", (TO,), None)
    MASK.filter(record)
    once = record.getMessage()
    MASK.filter(record)
    assert record.getMessage() == once == f"to {MASKED}"


def test_nothing_is_formatted_while_the_level_is_off() -> None:
    formatted: list[str] = []

    class Costly:
        def __str__(self) -> str:
            formatted.append("yes")
            return TO

    logger = package_logger()
    previous = logger.level
    logger.setLevel(logging.WARNING)
    try:
        logger.info("to %s", Costly())
        logger.debug("to %s", Costly())
    finally:
        logger.setLevel(previous)
    assert formatted == []


def test_package_logger_refuses_a_logger_outside_the_package() -> None:
    with pytest.raises(ValueError, match="not a volt_sdk logger"):
        package_logger("volt_sdk_other")
    assert package_logger("volt_sdk.cli").name == "volt_sdk.cli"


# -- the cause a retry line names ---------------------------------------------------------


def test_a_status_errors_cause_is_its_status_never_the_answer_it_quotes() -> None:
    answer = f"overloaded while texting {TO}: 'Your code is 654312'"
    error = APIStatusError(
        f"GetMessage: HTTP 503 from Volt: {answer}",
        operation="GetMessage",
        response=httpx.Response(503),
        body=answer,
    )
    assert error_summary(error, "GetMessage") == "APIStatusError: HTTP 503"


def test_a_rate_limits_cause_says_how_long_volt_asked_to_wait() -> None:
    error = RateLimitError("HTTP 429", response=httpx.Response(429), retry_after=2.0)
    assert error_summary(error) == "RateLimitError: HTTP 429, Retry-After 2s"


def test_a_transport_errors_cause_is_its_message_masked_on_one_bounded_line() -> None:
    error = VoltConnectionError(
        f"GetMessage: could not reach {TO}\n" + "x" * 500, request_sent=False
    )
    summary = error_summary(error, "GetMessage")
    assert summary.startswith(f"VoltConnectionError: could not reach {MASKED} xxx")
    assert "\n" not in summary
    assert len(summary) <= len("VoltConnectionError: ") + 160


# -- VOLT_LOG -----------------------------------------------------------------------------


@pytest.fixture
def fresh_setup(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """``setup_from_env`` as in a new process; the logger as it was, afterwards."""
    monkeypatch.setattr(_logs, "_setup_done", False)
    logger = logging.getLogger("volt_sdk")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    for handler in logger.handlers:
        if handler not in handlers:
            logger.removeHandler(handler)
    logger.setLevel(level)


def ours(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if h.get_name() == _logs.HANDLER_NAME]


@pytest.mark.parametrize(
    ("value", "level"), [("info", logging.INFO), ("DEBUG", logging.DEBUG), (" Info ", 20)]
)
def test_volt_log_gives_the_logger_a_stderr_handler_and_the_level(
    fresh_setup: logging.Logger, monkeypatch: pytest.MonkeyPatch, value: str, level: int
) -> None:
    monkeypatch.setenv("VOLT_LOG", value)
    root_handlers = list(logging.getLogger().handlers)
    setup_from_env()
    (handler,) = ours(fresh_setup)
    assert isinstance(handler, logging.StreamHandler)
    assert handler.stream is sys.stderr
    assert MASK in handler.filters
    assert fresh_setup.level == level
    assert logging.getLogger().handlers == root_handlers


def test_setting_up_twice_adds_one_handler(
    fresh_setup: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOLT_LOG", "info")
    setup_from_env()
    setup_from_env()
    monkeypatch.setattr(_logs, "_setup_done", False)  # even run anew (a reloaded module)
    setup_from_env()
    assert len(ours(fresh_setup)) == 1


def test_volt_log_is_read_once_per_process(
    fresh_setup: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOLT_LOG", raising=False)
    setup_from_env()
    monkeypatch.setenv("VOLT_LOG", "debug")
    setup_from_env()
    assert ours(fresh_setup) == []


@pytest.mark.parametrize("value", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_without_volt_log_the_users_level_and_handlers_stay(
    fresh_setup: logging.Logger,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str | None,
) -> None:
    if value is None:
        monkeypatch.delenv("VOLT_LOG", raising=False)
    else:
        monkeypatch.setenv("VOLT_LOG", value)
    fresh_setup.setLevel(logging.ERROR)
    handlers = list(fresh_setup.handlers)
    setup_from_env()
    assert fresh_setup.level == logging.ERROR
    assert fresh_setup.handlers == handlers
    assert capsys.readouterr().err == ""


def test_an_unknown_value_is_ignored_with_one_warning_line(
    fresh_setup: logging.Logger,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VOLT_LOG", "verbose")
    level = fresh_setup.level
    setup_from_env()
    setup_from_env()
    assert capsys.readouterr().err == (
        "volt_sdk: VOLT_LOG='verbose' ignored; expected one of: info, debug\n"
    )
    assert fresh_setup.level == level
    assert ours(fresh_setup) == []
