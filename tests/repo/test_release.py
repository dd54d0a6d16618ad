"""The release's own checks pass on the repository and fail on a deliberate break.

``make release-check`` (scripts/release_check.py): a tag is released only when it is "v" +
volt_sdk/_version.py's version and CHANGELOG.md has that version's dated entry.
``make workflows-lint`` (scripts/lint_workflows.sh): zizmor and actionlint find what a
hardened workflow must not do. ``make dist`` (scripts/dist.sh): check-wheel-contents fails a
wheel with a file copied by mistake. (``make test-dist`` installs the wheel and runs the e2e
tests, too slow for ``make test``: docs/releasing.md shows its dry run and a deliberate break.)
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "release_check.py"
LINT = ROOT / "scripts" / "lint_workflows.sh"

if TYPE_CHECKING:
    import release_check
else:
    _spec = importlib.util.spec_from_file_location("release_check", SCRIPT)
    assert _spec is not None
    assert _spec.loader is not None
    release_check = importlib.util.module_from_spec(_spec)
    sys.modules["release_check"] = release_check  # dataclasses look their module up
    _spec.loader.exec_module(release_check)

VERSION = release_check.package_version((ROOT / "volt_sdk" / "_version.py").read_text("utf-8"))

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added
- Something new.

## [1.2.0] - 2026-12-01

### Added
- A feature.

## [1.1.0] - 2026-11-01

### Fixed
- A bug.

[1.2.0]: https://example.com/compare/v1.1.0...v1.2.0
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def checkout(tmp_path: Path, version: str, changelog: str = CHANGELOG) -> Path:
    """A tree with the two files the check reads."""
    (tmp_path / "volt_sdk").mkdir()
    (tmp_path / "volt_sdk" / "_version.py").write_text(f'__version__ = "{version}"\n')
    (tmp_path / "CHANGELOG.md").write_text(changelog)
    return tmp_path


# -- make release-check ------------------------------------------------------------------------


def test_the_current_version_s_tag_passes() -> None:
    result = run(f"v{VERSION}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"release-check: v{VERSION} is volt_sdk {VERSION}, with its CHANGELOG.md entry\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize("tag", [f"v{VERSION}.1", VERSION, f"V{VERSION}", "v9.9.9", "latest"])
def test_a_tag_that_is_not_v_and_the_version_fails(tag: str) -> None:
    result = run(tag)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"release-check: the tag {tag!r} is not 'v{VERSION}', the version "
        "volt_sdk/_version.py says (tag what _version.py says, or change __version__ first)\n"
    )


def test_a_version_with_no_changelog_entry_fails(tmp_path: Path) -> None:
    """_version.py bumped, CHANGELOG.md still under Unreleased: right tag, missing entry."""
    root = checkout(tmp_path, "1.3.0")
    result = run("v1.3.0", "--root", str(root))
    assert result.returncode == 1
    assert result.stderr == (
        "release-check: CHANGELOG.md has no entry for 1.3.0: "
        "add a heading `## [1.3.0] - YYYY-MM-DD`\n"
    )


def test_the_released_changelog_passes(tmp_path: Path) -> None:
    released = CHANGELOG.replace("## [Unreleased]", "## [Unreleased]\n\n## [1.3.0] - 2026-12-02")
    root = checkout(tmp_path, "1.3.0", released)
    result = run("v1.3.0", "--root", str(root))
    assert result.returncode == 0, result.stderr


def test_the_repository_s_changelog_fails_for_a_bumped_version(tmp_path: Path) -> None:
    """The real CHANGELOG.md, with _version.py bumped and no entry written."""
    major, minor, _ = VERSION.split(".")
    bumped = f"{major}.{int(minor) + 1}.0"
    root = checkout(tmp_path, bumped, (ROOT / "CHANGELOG.md").read_text("utf-8"))
    result = run(f"v{bumped}", "--root", str(root))
    assert result.returncode == 1
    assert f"CHANGELOG.md has no entry for {bumped}" in result.stderr


def test_both_problems_are_reported(tmp_path: Path) -> None:
    root = checkout(tmp_path, "1.3.0")
    result = run("v1.2.0", "--root", str(root))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("release-check: the tag 'v1.2.0' is not 'v1.3.0'")
    assert lines[1].startswith("release-check: CHANGELOG.md has no entry for 1.3.0")


def test_no_tag_and_no_tag_on_head_fails(tmp_path: Path) -> None:
    root = checkout(tmp_path, "1.2.0")
    result = run("--root", str(root))  # not a git repository: HEAD has no tag
    assert result.returncode == 1
    assert result.stderr == ("release-check: HEAD has no tag: pass the tag to check (TAG=vX.Y.Z)\n")


def test_a_missing_version_file_fails(tmp_path: Path) -> None:
    result = run("v1.2.0", "--root", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith("release-check: volt_sdk/_version.py: ")


@pytest.mark.parametrize(
    ("heading", "message"),
    [
        ("## [1.3.0]", "CHANGELOG.md line 3: the entry for 1.3.0 has no date"),
        ("## [1.3.0] - soon", "CHANGELOG.md line 3: 'soon' is not a date YYYY-MM-DD"),
        ("## [1.3.0] - 2026-13-01", "CHANGELOG.md line 3: '2026-13-01' is not a date"),
        ("## [1.3.0] - 2026-1-01", "CHANGELOG.md line 3: '2026-1-01' is not a date"),
    ],
)
def test_an_undated_or_misdated_entry_fails(heading: str, message: str) -> None:
    text = CHANGELOG.replace("## [Unreleased]", heading)
    with pytest.raises(release_check.ReleaseError) as caught:
        release_check.changelog_entry(text, "1.3.0")
    assert str(caught.value).startswith(message)


def test_an_empty_or_doubled_entry_fails() -> None:
    empty = CHANGELOG.replace("## [Unreleased]", "## [1.3.0] - 2026-12-02\n\n## [Unreleased]")
    with pytest.raises(release_check.ReleaseError, match=r"the entry for 1\.3\.0 is empty"):
        release_check.changelog_entry(empty, "1.3.0")
    doubled = CHANGELOG + "\n## [1.2.0] - 2026-12-03\n\n- Again.\n"
    with pytest.raises(release_check.ReleaseError, match=r"2 entries for 1\.2\.0 \(lines 8, 20\)"):
        release_check.changelog_entry(doubled, "1.2.0")


def test_a_link_reference_is_no_part_of_an_entry() -> None:
    entry = release_check.changelog_entry(CHANGELOG, "1.1.0")
    assert entry.body == "### Fixed\n- A bug."
    assert entry.date == "2026-11-01"


def test_a_version_file_without_a_version_fails() -> None:
    with pytest.raises(release_check.ReleaseError, match="sets no __version__"):
        release_check.package_version("VERSION = '1.0.0'\n")
    assert release_check.package_version('"""Doc."""\n__version__ = "2.0.0rc1"\n') == "2.0.0rc1"


# -- make workflows-lint -----------------------------------------------------------------------

# zizmor's findings: the trigger, an action pinned by tag, a checkout that keeps the token,
# default permissions, a pull request's title expanded into a script.
INSECURE = """\
name: Insecure
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""

# Clean for zizmor; actionlint alone finds the job that needs a job that does not exist.
BROKEN = """\
name: Broken
on:
  push:
permissions: {}
jobs:
  test:
    needs: build
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - run: echo test
"""


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """scripts/lint_workflows.sh on a directory of the two workflows above (one run: ~4 s)."""
    if shutil.which("node") is None:
        pytest.fail("make workflows-lint needs Node.js 20 or later (actionlint): none on PATH")
    directory = tmp_path_factory.mktemp("workflows")
    (directory / "insecure.yml").write_text(INSECURE)
    (directory / "broken.yml").write_text(BROKEN)
    return subprocess.run(
        ["bash", str(LINT), str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_lint_workflows_fails_on_findings(linted: subprocess.CompletedProcess[str]) -> None:
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert "workflows: 0 findings" not in linted.stdout


def test_zizmor_finds_the_trigger_the_tag_pin_the_token_and_the_injection(
    linted: subprocess.CompletedProcess[str],
) -> None:
    out = linted.stdout
    for audit in ("dangerous-triggers", "unpinned-uses", "artipacked", "template-injection"):
        assert f"[{audit}]" in out, audit
    assert "insecure.yml:3:3" in out  # pull_request_target
    assert "insecure.yml:8:15" in out  # actions/checkout@v4
    assert "broken.yml" not in out.split("actionlint (")[0]  # zizmor: nothing in broken.yml
    assert "lint_workflows: zizmor reported findings" in linted.stderr


def test_actionlint_finds_the_missing_job_and_the_injection(
    linted: subprocess.CompletedProcess[str],
) -> None:
    actionlint = linted.stdout.split("actionlint (", 1)[1]
    assert 'job "test" needs job "build" which does not exist' in actionlint
    assert '"github.event.pull_request.title" is potentially untrusted' in actionlint
    for name in ("broken.yml", "insecure.yml"):
        assert re.search(rf"actionlint reported findings in \S+/{name} ", linted.stderr), name


def test_lint_workflows_refuses_a_path_that_is_not_there(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(LINT), str(tmp_path / "nothing")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "lint_workflows: no such file or directory" in result.stderr


def test_lint_workflows_refuses_a_directory_with_no_workflow(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(LINT), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "no workflow (*.yml, *.yaml)" in result.stderr


# -- make dist ---------------------------------------------------------------------------------


def test_dist_fails_on_a_wheel_with_a_duplicate_file(tmp_path: Path) -> None:
    """scripts/dist.sh in a copy of the package with a file copied by mistake: the build
    succeeds, check-wheel-contents fails it (W002). One build of the sdist and wheel, ~4 s."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for directory in ("volt_sdk", "generated"):
        shutil.copytree(ROOT / directory, tmp_path / directory, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE", "scripts/dist.sh"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")  # build, twine, check-wheel-contents
    shutil.copy(ROOT / "volt_sdk" / "_version.py", tmp_path / "volt_sdk" / "_version_copy.py")
    result = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "dist.sh")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"Successfully built volt_sdk-{VERSION}.tar.gz and volt_sdk-{VERSION}-py3-none-any.whl"
        in (result.stdout)
    )
    assert "PASSED" in result.stdout  # twine check --strict: the metadata is fine
    assert (
        f"dist/volt_sdk-{VERSION}-py3-none-any.whl: W002: Wheel contains duplicate files:\n"
        "  volt_sdk/_version.py\n"
        "  volt_sdk/_version_copy.py\n"
    ) in result.stdout
    assert "dist: dist/" not in result.stdout  # never reported as built and checked
