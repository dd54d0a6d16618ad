"""Every code example of the documentation site runs as written.

Each ```python block of ``docs/**/*.md`` runs in one of these ways:

- ``sandbox`` (the default): as a script, with the ``volt_sandbox`` fixture's
  sandbox behind ``VOLT_API_URL`` / ``VOLT_API_TOKEN``, so ``Volt()`` meets a
  real Volt-compatible server over loopback (aiohttp included). A block that
  starts a ``Sandbox()`` of its own runs the same way.
- ``pytest``: a block that defines ``test_*`` functions is executed, then each
  of its tests is called (one case per test) with the fixtures it names.
- a named runner of :data:`RUNNERS`, for a block whose point needs a mocked Volt
  (an answer the sandbox cannot give: a 503, tokens the sandbox does not know)
  or a receiver to call (webhooks); each checks what the example prints or sends.

A block preceded by ``<!-- docs-test: skip REASON -->`` is not run (allowed for
shell-like pseudo code only: none is marked today). An example that raises fails
its case.

Each ```bash block is read line by line: every ``volt ...`` command must name
commands and flags that the ``volt`` parser has, every ``make X`` a target of the
Makefile. The CLI guide's commands in :data:`CLI_RUNS` also run, against the
sandbox, with the exit status the guide gives them.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import inspect
import json
import logging
import re
import shlex
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import message_data
from volt_sdk._cli import main
from volt_sdk._cli._main import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: The guides other pages link to, by these names; each must be in the site's nav.
GUIDES = (
    "guides/quickstart.md",
    "guides/configuration.md",
    "guides/errors.md",
    "guides/delivery.md",
    "guides/production.md",
    "guides/performance.md",
    "guides/cli.md",
    "guides/testing.md",
    "guides/schema-upgrades.md",
)
#: The order of the nav's Guides section.
GUIDES_NAV = (
    "guides/quickstart.md",
    "guides/configuration.md",
    "guides/errors.md",
    "guides/delivery.md",
    "bulk.md",
    "limits.md",
    "webhooks.md",
    "suppression.md",
    "reconciliation.md",
    "guides/testing.md",
    "sandbox.md",
    "guides/schema-upgrades.md",
    "guides/performance.md",
    "guides/production.md",
    "telemetry.md",
    "guides/cli.md",
)

FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s+(?P<reason>.+?)\s*-->")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown page."""

    page: str  # relative to docs/
    line: int  # of the opening fence, from 1
    lang: str
    source: str  # dedented
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def read_blocks(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    page = path.relative_to(DOCS).as_posix()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent = opening["indent"]
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != f"{indent}```":
            end += 1
        assert end < len(lines), f"{page}:{i + 1}: a code block is never closed"
        previous = next((line for line in reversed(lines[:i]) if line.strip()), "")
        skipped = SKIP.search(previous)
        yield Block(
            page=page,
            line=i + 1,
            lang=opening["lang"],
            source=textwrap.dedent("\n".join(lines[i + 1 : end])) + "\n",
            skip=skipped["reason"] if skipped else None,
        )
        i = end + 1


BLOCKS = [b for path in sorted(DOCS.rglob("*.md")) for b in read_blocks(path)]
PYTHON = [b for b in BLOCKS if b.lang == "python" and b.skip is None]
BASH = [b for b in BLOCKS if b.lang == "bash" and b.skip is None]


def test_every_guide_exists_and_is_in_the_nav_in_order() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:", 1)[1]
    guides = nav.split("  - Guides:", 1)[1].split("\n  - ", 1)[0]
    in_nav = re.findall(r":\s*(\S+\.md)\s*$", guides, re.MULTILINE)
    assert tuple(in_nav) == GUIDES_NAV
    for guide in GUIDES:
        assert (DOCS / guide).is_file(), guide
        assert guide in in_nav, guide


def test_the_readme_and_the_home_page_link_every_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in GUIDES_NAV:
        assert f"](docs/{page})" in readme, page
        assert f"]({page})" in index, page
    assert "](docs/reference/clients.md)" in readme
    assert "](reference/clients.md)" in index


def test_the_readme_starts_with_its_two_commands_then_says_where_the_docs_are() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]
    assert readme.index("```bash\nmake demo") < readme.index("\n## Documentation\n")
    assert readme.index("\n## Documentation\n") < readme.index("\n## Install\n")


def test_only_pseudo_code_is_skipped() -> None:
    for block in BLOCKS:
        if block.skip is not None:
            assert block.lang in ("", "text", "console", "bash"), block.id


# -- Python blocks --------------------------------------------------------------------


def run_block(block: Block, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    namespace = {"__name__": "docs_example"} if namespace is None else namespace
    exec(compile(block.source, str(DOCS / block.page), "exec"), namespace)
    return namespace


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """An example may write files, configure logging or set a logger's level: undo it."""
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    sdk = logging.getLogger("volt_sdk")
    saved = (list(root.handlers), root.level, list(sdk.handlers), sdk.level)
    yield
    root.handlers[:], sdk.handlers[:] = saved[0], saved[2]
    root.setLevel(saved[1])
    sdk.setLevel(saved[3])


def run_with_tokens_rotated(
    block: Block, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    # The tenants' tokens are not the sandbox's: a mocked Volt shows what was sent.
    httpx_mock: HTTPXMock = request.getfixturevalue("httpx_mock")
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}}, is_reusable=True)
    run_block(block)
    sent = httpx_mock.get_requests()
    assert [r.headers["authorization"] for r in sent] == [
        "Bearer acme-token-1",
        "Bearer acme-token-2",
    ]
    assert {r.headers["x-tenant"] for r in sent} == {"acme"}
    assert all(r.headers["user-agent"].endswith(" acme-crm/2.1.0") for r in sent)
    assert capsys.readouterr().out.strip() == "msg_1"


def run_outcome_unknown_after_a_503(
    block: Block, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock: HTTPXMock = request.getfixturevalue("httpx_mock")
    httpx_mock.add_response(status_code=503)
    page = {"messages": [message_data(body="Your code is 654312")], "pageInfo": {"totalItems": 1}}
    httpx_mock.add_response(json={"data": {"conversation": page}})
    run_block(block)
    assert capsys.readouterr().out.strip() == "sent"
    assert len(httpx_mock.get_requests()) == 2  # one send, not retried; one look-up


def run_webhook_receiver(
    block: Block, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from volt_sdk.webhooks import DEFAULT_KEY_URL, clear_key_cache, sign_body

    httpx_mock: HTTPXMock = request.getfixturevalue("httpx_mock")
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    clear_key_cache()
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=public)
    try:
        on_request: Callable[[dict[str, str], bytes], int] = run_block(block)["on_request"]

        def signed(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
            body = json.dumps(event).encode()
            return {"X-Respond-Flow-Signature": sign_body(body, private_key)}, body

        stop = {
            "id": "evt_1",
            "event_type": "message.received",
            "payload": {"text": "stop", "from_number": "+15555550145"},
        }
        final = {
            "id": "evt_2",
            "event_type": "message.finalized",
            "payload": {"id": "msg_1", "status": "failed", "error_code": 503},
        }
        assert on_request(*signed(stop)) == 204
        assert on_request(*signed(final)) == 204
        headers, body = signed(stop)
        assert on_request(headers, body.replace(b"stop", b"STOP")) == 400  # forged
        assert capsys.readouterr().out.splitlines() == [
            "opt out +15555550145",
            "finalized msg_1 failed 503",
        ]
    finally:
        clear_key_cache()


def run_webhook_app(
    block: Block, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    """A framework receiver of the kit: Volt's key mocked, signed and forged requests posted."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.webhooks.frameworks import post_to_app
    from volt_sdk.webhooks import DEFAULT_KEY_URL, SIGNATURE_HEADER, sign_body

    httpx_mock: HTTPXMock = request.getfixturevalue("httpx_mock")
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    # Served twice: the forged request makes the receiver refresh the key once.
    httpx_mock.add_response(url=DEFAULT_KEY_URL, content=public, is_reusable=True)
    namespace = run_block(block)
    stop = {"id": "evt_1", "event_type": "message.received",
            "payload": {"text": "STOP", "from_number": "+15555550145"}}  # fmt: skip
    body = json.dumps(stop).encode()
    headers = {SIGNATURE_HEADER: sign_body(body, private_key)}
    forged = body.replace(b"STOP", b"stop")
    assert post_to_app(namespace, "/webhooks/volt", [(headers, body), (headers, forged)]) == [
        204,
        401,
    ]
    assert capsys.readouterr().out.splitlines() == ["opt out +15555550145"]


Runner = Callable[[Block, pytest.FixtureRequest, pytest.CaptureFixture[str]], None]

#: Blocks that do not run as plain scripts against the sandbox: (page, a text the
#: block holds) -> how it runs. Every entry must match exactly one block.
RUNNERS: dict[tuple[str, str], Runner] = {
    ("guides/configuration.md", "def current_token("): run_with_tokens_rotated,
    ("guides/delivery.md", "volt.reconcile_message(unknown)  # the Message"): (
        run_outcome_unknown_after_a_503
    ),
    ("webhooks.md", "def on_request("): run_webhook_receiver,
    ("webhooks.md", "app = FastAPI()"): run_webhook_app,
    ("webhooks.md", "app = Flask(__name__)"): run_webhook_app,
    ("webhooks.md", "urlpatterns = [path("): run_webhook_app,
}


def runner_of(block: Block) -> Runner | None:
    found = [
        run for (page, text), run in RUNNERS.items() if page == block.page and text in block.source
    ]
    assert len(found) <= 1, block.id
    return found[0] if found else None


def test_every_special_runner_has_its_one_block() -> None:
    for page, text in RUNNERS:
        assert len([b for b in PYTHON if b.page == page and text in b.source]) == 1, (page, text)


def test_the_guides_have_python_examples() -> None:
    pages = {b.page for b in PYTHON}
    for guide in GUIDES:
        if guide not in ("guides/cli.md", "guides/schema-upgrades.md"):
            assert guide in pages, guide


def defined_tests(block: Block) -> list[str]:
    tree = ast.parse(block.source)
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


SCRIPTS = [b for b in PYTHON if not defined_tests(b)]
TESTS = [(b, name) for b in PYTHON for name in defined_tests(b)]


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("block", SCRIPTS, ids=[b.id for b in SCRIPTS])
def test_a_docs_example_runs(
    block: Block, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    special = runner_of(block)
    if special is not None:
        special(block, request, capsys)
        return
    request.getfixturevalue("volt_sandbox")
    if "REDIS_URL" in block.source:  # a shared limit (docs/limits.md): the suite's redis-server
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
    run_block(block)
    if "print(" in block.source:
        assert capsys.readouterr().out.strip()


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize(("block", "name"), TESTS, ids=[f"{b.id}::{name}" for b, name in TESTS])
def test_a_docs_test_passes(block: Block, name: str, request: pytest.FixtureRequest) -> None:
    function = run_block(block)[name]
    arguments = {
        parameter: request.getfixturevalue(parameter)
        for parameter in inspect.signature(function).parameters
    }
    result = function(**arguments)
    if inspect.iscoroutine(result):
        asyncio.run(result)


# -- Shell blocks ----------------------------------------------------------------------


def commands(block: Block) -> Iterator[list[str]]:
    """Each command of a bash block, as words (pipes and ``&&`` split, comments dropped)."""
    for line in block.source.replace("\\\n", " ").splitlines():  # continuation lines joined
        words = shlex.split(line, comments=True)
        command: list[str] = []
        for word in [*words, "&&"]:
            if word in ("&&", "|", "&", ";"):
                if command:
                    yield command
                command = []
            else:
                command.append(word)


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The commands under ``parser`` (each group of the CLI keeps them as its default)."""
    choices: dict[str, argparse.ArgumentParser] | None = parser.get_default("choices")
    return choices or {}


def command_path(words: list[str]) -> tuple[list[str], argparse.ArgumentParser]:
    """The commands ``volt ...`` names (``["list", "add"]``) and the parser of the last."""
    parser = build_parser()
    path: list[str] = []
    for word in words[1:]:
        choices = subparsers(parser)
        if word not in choices:
            break
        parser = choices[word]
        path.append(word)
    return path, parser


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[str]:
    choices = subparsers(parser)
    if not choices:
        yield " ".join(path)
    for name, child in choices.items():
        yield from leaf_commands(child, (*path, name))


def check_volt_command(words: list[str]) -> None:
    path, parser = command_path(words)
    rest = words[1 + len(path) :]
    if not {"--help", "-h", "--version"} & set(rest):
        assert not subparsers(parser), f"{words}: no command given to '{parser.prog}'"
    flags = {flag for action in parser._actions for flag in action.option_strings}
    for word in rest:
        if word.startswith("-") and word != "-":
            flag = word.split("=", 1)[0]
            assert flag in flags, f"{' '.join(words)}: '{parser.prog}' has no {flag}"


MAKE_TARGETS = set(
    re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
)


@pytest.mark.parametrize("block", BASH, ids=[b.id for b in BASH])
def test_a_shell_example_names_real_commands_and_flags(block: Block) -> None:
    for words in commands(block):
        if words[0] == "volt":
            check_volt_command(words)
        elif words[0] == "make":
            targets = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
            assert targets, words
            assert set(targets) <= MAKE_TARGETS, words


def test_the_shell_examples_use_every_volt_command() -> None:
    used = {
        " ".join(command_path(words)[0])
        for block in BASH
        for words in commands(block)
        if words[0] == "volt"
    }
    assert set(leaf_commands(build_parser())) <= used


#: Commands of the CLI guide run against the sandbox, with the exit status it gives.
CLI_RUNS = {
    'volt send --to +15555550145 --from +15555550123 --body "Hello" --wait': 0,
    "volt conversation --to +15555550145 --from +15555550123": 0,
    'volt send --to +15005550003 --from +15555550123 --body "Hello" --wait': 1,
    'volt contact upsert --phone +15555550145 --account-phone +15555550123 --name "Ada" '
    "--not-blocked --field plan=gold": 0,
    "volt list upsert --primary-phone +15555550123 --name VIP": 0,
    "volt list add --primary-phone +15555550123 --name VIP +15555550145": 0,
    "volt contact get --phone +15555550145 --primary-phone +15555550123 --json": 0,
    'volt send --to +15555550145 --from +15555550123 --body "Line one\\nLine two" '
    "--escapes --json": 0,
    'volt send-bulk recipients.csv --from +15555550123 --template "Hi {name}, spring sale!" '
    "--dry-run": 0,
    'volt send-bulk recipients.csv --from +15555550123 --template "Hi {name}, spring sale!" '
    "--journal spring.journal": 0,
    'volt send-bulk recipients.csv --from +15555550123 --template "Hi {name}, spring sale!" '
    "--journal spring.journal --resume": 0,
    "volt --version": 0,
    "volt send --help": 0,
}


@pytest.mark.usefixtures("isolated")
def test_the_cli_guide_commands_do_what_it_says_against_the_sandbox(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = [b for b in BLOCKS if b.page == "guides/cli.md"]
    lines = {
        line.split("  #", 1)[0].strip()
        for b in guide
        if b.lang == "bash"
        for line in b.source.splitlines()
    }
    (csv,) = [b.source for b in guide if b.lang == "text" and b.source.startswith("to,")]
    Path("recipients.csv").write_text(csv, encoding="utf-8")
    sandbox = request.getfixturevalue("volt_sandbox")
    for line, expected in CLI_RUNS.items():
        assert line in lines, f"not in the CLI guide: {line}"
        code = main(shlex.split(line)[1:])
        out, err = capsys.readouterr()
        assert code == expected, f"{line}: exit {code}\n{out}\n{err}"
    bodies = [m.body for m in sandbox.outbox()]
    assert bodies.count("Hi Ada, spring sale!") == 1  # --resume sent nothing again
    assert "Line one\nLine two" in bodies


def test_the_sandbox_answers_what_the_quickstart_shows(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    (block,) = [
        b for b in PYTHON if b.page == "guides/quickstart.md" and "+15005550003" in b.source
    ]
    request.getfixturevalue("volt_sandbox")
    run_block(block)
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "failed 503",
        "phone_number destination is on a do-not-contact list or has opted out False",
    ]


def test_the_outputs_shown_in_the_guides_are_what_runs_print(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    request.getfixturevalue("volt_sandbox")
    expected = {
        "# to too_short": "to too_short",
        "# +15555550145": "+15555550145",
        "# message {'id': 'msg_does_not_exist'}": "message {'id': 'msg_does_not_exist'}",
        "# queued, sent, delivered": "queued\nsent\ndelivered",
        "# MessageSentEvent": "MessageSentEvent",
    }
    for comment, output in expected.items():
        (block,) = [b for b in PYTHON if comment in b.source and not defined_tests(b)]
        run_block(block)
        assert capsys.readouterr().out.strip() == output, block.id
