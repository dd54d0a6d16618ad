"""``make api-check`` (scripts/api_check.py): incompatible changes of the public API need a
"Breaking" entry in CHANGELOG.md.

Two small trees shaped like the repository's (lazy exports through two packages, a method
inherited from a mixin, models of a generated package renamed between the two) show what is
found and what is not; a git repository shows the baseline and the exit status; the last tests
run the check on the repository itself, as it is and with a deliberate break.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "api_check.py"

if TYPE_CHECKING:
    import api_check
else:
    _spec = importlib.util.spec_from_file_location("api_check", SCRIPT)
    assert _spec is not None
    assert _spec.loader is not None
    api_check = importlib.util.module_from_spec(_spec)
    sys.modules["api_check"] = api_check  # dataclasses look their module up
    _spec.loader.exec_module(api_check)

REMOVED = "Public object was removed"

# The old tree; the new one is this with one edit. The generated package is renamed between
# them (volt_graphql at 0.1.0, volt_sdk_graphql now): the sides meet by public name only.
BASE: dict[str, str] = {
    "volt_sdk/__init__.py": """
        from typing import TYPE_CHECKING

        from ._version import __version__

        if TYPE_CHECKING:
            from ._client import Client
            from ._errors import SendError, VoltError
            from ._funcs import send
            from ._models import Message, MessageInput

        __all__ = ["Client", "Message", "MessageInput", "SendError", "VoltError", "__version__"]
        __all__ += ["send"]
        """,
    "volt_sdk/_version.py": '__version__ = "0.1.0"\n',
    "volt_sdk/_client/__init__.py": """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from ._impl import Client

        __all__ = ["Client"]
        """,
    "volt_sdk/_client/_methods.py": """
        class Methods:
            def send_message(self, *, to: str, body: str = "") -> str:
                return to + body
        """,
    "volt_sdk/_client/_impl.py": """
        from ._methods import Methods

        class Client(Methods):
            def close(self) -> None:
                pass
        """,
    "volt_sdk/_errors.py": """
        class VoltError(Exception):
            pass

        class SendError(VoltError, ValueError):
            pass
        """,
    "volt_sdk/_funcs.py": """
        def send(to: str, body: str = "") -> None:
            pass
        """,
    "volt_sdk/_models.py": """
        from GEN.fragments import MessageFields as Message
        from GEN.input_types import MessageInput
        """,
    "volt_sdk/webhooks/__init__.py": """
        from ._parse import parse_event

        __all__ = ["parse_event"]
        """,
    "volt_sdk/webhooks/_parse.py": """
        def parse_event(body: bytes) -> None:
            pass
        """,
    "generated/GEN/__init__.py": "",
    "generated/GEN/base_model.py": """
        from pydantic import BaseModel as PydanticBaseModel

        class BaseModel(PydanticBaseModel):
            pass
        """,
    "generated/GEN/fragments.py": """
        from typing import Optional

        from pydantic import Field

        from .base_model import BaseModel

        class SenderFields(BaseModel):
            name: Optional[str]

        class MessageFields(BaseModel):
            id: str
            status: Optional[str]
            sent_at: Optional[str] = Field(alias="sentAt")
            sender: Optional["MessageFieldsSender"]

        class MessageFieldsSender(SenderFields):
            pass
        """,
    "generated/GEN/input_types.py": """
        from typing import Optional

        from .base_model import BaseModel

        class MessageInput(BaseModel):
            to: str
            body: Optional[str] = None
        """,
}
BASE = {name: textwrap.dedent(text).lstrip() for name, text in BASE.items()}


def write(root: Path, files: dict[str, str], generated: str) -> Path:
    for name, text in files.items():
        path = root / name.replace("GEN", generated)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("GEN", generated))
    return root


def findings(tmp_path: Path, new: dict[str, str]) -> list[api_check.Finding]:
    old_tree = write(tmp_path / "old", BASE, "volt_graphql")
    new_tree = write(tmp_path / "new", new, "volt_sdk_graphql")
    return api_check.compare_trees(old_tree, new_tree)


def summary(found: list[api_check.Finding]) -> list[tuple[tuple[str, ...], str, str]]:
    """Each finding's public paths, its parameter (or the base lost), its kind."""
    return [
        (f.paths, f.change if f.kind == api_check.BASE_LOST else f.parameter, f.kind) for f in found
    ]


def test_the_same_api_with_its_generated_package_renamed_has_no_finding(tmp_path: Path) -> None:
    assert findings(tmp_path, BASE) == []


# Each edit of the new tree, and what the check says of it.
BREAKS = {
    "public function removed": (
        {"volt_sdk/_funcs.py": ("def send(", "def post(")},
        [(("volt_sdk.send",), "", REMOVED)],
    ),
    "public method removed": (
        {"volt_sdk/_client/_impl.py": ("def close(", "def shut(")},
        [(("volt_sdk.Client.close",), "", REMOVED)],
    ),
    # send_message is inherited from a mixin, behind two lazy exports.
    "parameter removed": (
        {"volt_sdk/_client/_methods.py": (', body: str = ""', "")},
        [(("volt_sdk.Client.send_message",), "body", "Parameter was removed")],
    ),
    "parameter renamed": (
        {"volt_sdk/_client/_methods.py": ("body: str", "text: str")},
        [(("volt_sdk.Client.send_message",), "body", "Parameter was removed")],
    ),
    "parameter made required": (
        {"volt_sdk/_funcs.py": ('body: str = ""', "body: str")},
        [(("volt_sdk.send",), "body", "Parameter is now required")],
    ),
    "required parameter added": (
        {"volt_sdk/_funcs.py": ('body: str = ""', 'body: str = "", *, key: str')},
        [(("volt_sdk.send",), "key", "Parameter was added as required")],
    ),
    "name of a public submodule removed": (
        {"volt_sdk/webhooks/_parse.py": ("def parse_event(", "def parse(")},
        [(("volt_sdk.webhooks.parse_event",), "", REMOVED)],
    ),
    # The lazy export is kept, its target renamed: the name imports nothing any more.
    "lazy export left dangling": (
        {"volt_sdk/_funcs.py": ("def send(", "def send_sms(")},
        [(("volt_sdk.send",), "", REMOVED)],
    ),
    "outside base class lost": (
        {"volt_sdk/_errors.py": ("(VoltError, ValueError)", "(VoltError)")},
        [(("volt_sdk.SendError",), "ValueError", api_check.BASE_LOST)],
    ),
    "public base class lost": (
        {"volt_sdk/_errors.py": ("(VoltError, ValueError)", "(ValueError)")},
        [(("volt_sdk.SendError",), "volt_sdk.VoltError", api_check.BASE_LOST)],
    ),
    "model field removed": (
        {"generated/GEN/fragments.py": ("    status: Optional[str]\n", "")},
        [(("volt_sdk.Message.status",), "", REMOVED)],
    ),
    "model field changed type": (
        {"generated/GEN/fragments.py": ("status: Optional[str]", "status: Optional[int]")},
        [(("volt_sdk.Message.status",), "", api_check.FIELD_CHANGED_TYPE)],
    ),
    "model field may now be None": (
        {"generated/GEN/fragments.py": ("id: str", "id: Optional[str]")},
        [(("volt_sdk.Message.id",), "", api_check.FIELD_CHANGED_TYPE)],
    ),
    # A field of a nested model (Message.sender's class), defined on its base.
    "nested model field removed": (
        {"generated/GEN/fragments.py": ("    name: Optional[str]\n", "    pass\n")},
        [(("volt_sdk.Message.sender.name",), "", REMOVED)],
    ),
    "input model field made required": (
        {"generated/GEN/input_types.py": ("body: Optional[str] = None", "body: Optional[str]")},
        [(("volt_sdk.MessageInput.body",), "", api_check.FIELD_BECAME_REQUIRED)],
    ),
    "input model required field added": (
        {"generated/GEN/input_types.py": ("    to: str\n", "    to: str\n    key: str\n")},
        [(("volt_sdk.MessageInput.key",), "", api_check.FIELD_ADDED_REQUIRED)],
    ),
    "input model field narrowed": (
        {"generated/GEN/input_types.py": ("body: Optional[str] = None", 'body: str = ""')},
        [(("volt_sdk.MessageInput.body",), "", api_check.FIELD_CHANGED_TYPE)],
    ),
}


def apply(edits: dict[str, tuple[str, str]]) -> dict[str, str]:
    files = dict(BASE)
    for name, (old, new) in edits.items():
        assert old in files[name], (name, old)
        files[name] = files[name].replace(old, new)
    return files


@pytest.mark.parametrize("case", list(BREAKS))
def test_an_incompatible_change_is_found(tmp_path: Path, case: str) -> None:
    edits, expected = BREAKS[case]
    assert summary(findings(tmp_path, apply(edits))) == expected


COMPATIBLE = {
    "new optional parameter": {
        "volt_sdk/_funcs.py": ('body: str = ""', 'body: str = "", key=None')
    },
    "new public name": {
        "volt_sdk/__init__.py": ('"send"]\n', '"send", "post"]\n\nfrom ._funcs import post\n'),
        "volt_sdk/_funcs.py": ("def send(", "def post() -> None:\n    pass\n\ndef send("),
    },
    "new model field": {
        "generated/GEN/fragments.py": ("    id: str\n", "    id: str\n    x: int\n")
    },
    "output field narrowed": {
        "generated/GEN/fragments.py": ("status: Optional[str]", "status: str")
    },
    "same type, other spelling": {
        "generated/GEN/fragments.py": ("status: Optional[str]", "status: 'str | None'")
    },
    "input field widened": {"generated/GEN/input_types.py": ("to: str", "to: Optional[str]")},
    "bases reordered, a private one between": {
        "volt_sdk/_errors.py": (
            "class SendError(VoltError, ValueError):",
            "class _Base(ValueError, VoltError):\n    pass\n\nclass SendError(_Base):",
        )
    },
    "private class renamed": {
        "volt_sdk/_client/_methods.py": ("class Methods", "class Sending"),
        "volt_sdk/_client/_impl.py": ("Methods", "Sending"),
    },
}


@pytest.mark.parametrize("case", list(COMPATIBLE))
def test_a_compatible_change_is_not_found(tmp_path: Path, case: str) -> None:
    assert findings(tmp_path, apply(COMPATIBLE[case])) == []


def test_a_public_submodule_removed_is_found(tmp_path: Path) -> None:
    new = {name: text for name, text in BASE.items() if not name.startswith("volt_sdk/webhooks/")}
    assert summary(findings(tmp_path, new)) == [(("volt_sdk.webhooks",), "", REMOVED)]


def test_one_change_seen_through_several_names_is_one_finding(tmp_path: Path) -> None:
    base = apply(
        {
            "volt_sdk/__init__.py": (
                "from ._models import Message, MessageInput",
                "from ._models import Message, MessageInput\n"
                "    from ._models import Message as Msg",
            )
        }
    )
    base["volt_sdk/__init__.py"] += '__all__ += ["Msg"]\n'
    new = dict(base)
    new["generated/GEN/fragments.py"] = new["generated/GEN/fragments.py"].replace(
        "    status: Optional[str]\n", ""
    )
    old_tree = write(tmp_path / "old", base, "volt_graphql")
    new_tree = write(tmp_path / "new", new, "volt_sdk_graphql")
    found = api_check.compare_trees(old_tree, new_tree)
    assert summary(found) == [(("volt_sdk.Message.status", "volt_sdk.Msg.status"), "", REMOVED)]


# -- the CHANGELOG ------------------------------------------------------------------------------

CHANGELOG = """\
# Changelog

## [Unreleased]

### Breaking
- `Client.send_message(body=...)` is gone: put the body in `to`.

### Changed
- `volt_sdk.send` takes no body.

## [0.2.0] - 2026-12-01

### Breaking
- `volt_sdk.Message.status`: removed.

## [0.1.0] - 2026-11-26

### Breaking
- `MessageInput.key`: required.
"""


def test_breaking_names_are_those_above_the_baseline() -> None:
    names = api_check.breaking_names(CHANGELOG, "0.1.0")
    # Under "Changed" (volt_sdk.send) or in the baseline's own section: not recorded.
    assert names == {"Client.send_message", "to", "volt_sdk.Message.status"}


def test_without_the_baselines_section_only_unreleased_counts() -> None:
    assert api_check.breaking_names(CHANGELOG, "0.0.9") == {"Client.send_message", "to"}


def test_an_entry_records_the_object_it_names_and_only_that() -> None:
    def finding(path: str) -> api_check.Finding:
        return api_check.Finding((path,), REMOVED)

    recorded = finding("volt_sdk.Client.send_message")
    child = finding("volt_sdk.Client.send_message.x")
    other = finding("volt_sdk.Client.close")
    also = api_check.Finding(("volt_sdk.Other.status", "volt_sdk.Message.status"), REMOVED)
    assert api_check.unrecorded(
        [recorded, child, other, also], {"Client.send_message", "volt_sdk.Message.status"}
    ) == [child, other]


# -- the command, in a git repository -----------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose one commit is the baseline, recorded in scripts/api_baseline.txt."""
    root = write(tmp_path / "repo", BASE, "volt_graphql")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n## [0.1.0]\n")
    git(root, "init", "--quiet")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "0.1.0")
    (root / "scripts").mkdir()
    (root / "scripts/api_baseline.txt").write_text("# 0.1.0\n" + git(root, "rev-parse", "HEAD"))
    # Then the generated package is renamed, and send_message loses body.
    shutil.rmtree(root / "generated")
    shutil.rmtree(root / "volt_sdk")
    write(root, apply(BREAKS["parameter removed"][0]), "volt_sdk_graphql")
    return root


def test_an_unrecorded_break_fails_and_a_recorded_one_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert api_check.main(["--repo", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "volt_sdk.Client.send_message(body): Parameter was removed" in err
    assert "against 0.1.0 (commit " in err

    changelog = repo / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text().replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Breaking\n- `Client.send_message`: no `body`.\n",
        )
    )
    assert api_check.main(["--repo", str(repo)]) == 0
    assert 'recorded under "Breaking"' in capsys.readouterr().out


def test_the_newest_release_tag_is_the_baseline(repo: Path) -> None:
    git(repo, "tag", "v0.9.0")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "0.10.0")
    git(repo, "tag", "v0.10.0")  # newer than v0.9.0 as a version, not as a string
    elsewhere = git(repo, "commit-tree", "HEAD^{tree}", "-m", "not an ancestor of HEAD")
    git(repo, "tag", "v9.0.0", elsewhere)
    assert api_check.baseline_ref(repo) == ("v0.10.0", "tag v0.10.0")


def test_a_baseline_missing_from_the_clone_is_an_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "scripts/api_baseline.txt").write_text("0" * 40 + "\n")
    assert api_check.main(["--repo", str(repo)]) == 2
    assert "fetch-depth: 0" in capsys.readouterr().err


# -- the repository itself ----------------------------------------------------------------------


def baseline_in_clone() -> bool:
    try:
        ref, _ = api_check.baseline_ref(ROOT)
        api_check.git(ROOT, "cat-file", "-e", f"{ref}^{{commit}}")
    except api_check.CheckError:
        return False
    return True


@pytest.mark.skipif(
    not baseline_in_clone(),
    reason="the baseline is not in this clone (shallow): CI's api job runs make api-check",
)
def test_the_repository_passes() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_deliberate_break_of_the_repository_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dry run of docs/api-compatibility.md: Message.status removed from the fragment.

    Against HEAD, which even a shallow clone has (the last release may not be in it).
    """
    for name in ("volt_sdk", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path)
    fragments = tmp_path / "generated/volt_sdk_graphql/fragments.py"
    text = fragments.read_text()
    message = text.index("class MessageFields(")
    field = "    status: Optional[str]\n"
    status = text.index(field, message)
    fragments.write_text(text[:status] + text[status + len(field) :])
    argv = ["--repo", str(ROOT), "--tree", str(tmp_path), "--baseline", "HEAD"]
    assert api_check.main(argv) == 1
    assert "  volt_sdk.Message.status (also " in capsys.readouterr().err
