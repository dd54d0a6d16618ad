"""The GitHub Actions workflows parse, run only Makefile targets that exist, keep their promises.

The promises (docs/releasing.md): every action pinned by a commit SHA with its tag in a comment,
no permission but those a job declares, an OIDC token only where PyPI is published to, no
secret in the environment of an action's step, no ``pull_request_target``; the release builds
once, tests what it built, and publishes with trusted publishing only after the tests pass.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # pyyaml ships no stubs; pinned in dev

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MAKE_TARGETS = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
NAMES = sorted(path.name for path in WORKFLOWS.glob("*.yml"))
# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`, the comment being the tag the SHA is.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
# Actions of GitHub's own organisation; every other owner is a third party.
FIRST_PARTY = "actions/"


def load(name: str) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    return document


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    found: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]
    return found


def jobs(workflow: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = workflow["jobs"]
    return found


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in jobs(workflow).values() for step in job["steps"]]


def make_targets(workflow: dict[Any, Any]) -> list[str]:
    """Every target of every `make ...` command the workflow's steps run, in order."""
    targets: list[str] = []
    for step in steps(workflow):
        for command in re.findall(r"(?:^|[\s;&|(])make\s+([^;&|>\n]*)", str(step.get("run", ""))):
            targets += [w for w in command.split() if not w.startswith("-") and "=" not in w]
    return targets


def uses_lines(name: str) -> list[str]:
    """The raw text after `uses:` on every line that has one (the YAML loader drops comments)."""
    text = (WORKFLOWS / name).read_text("utf-8")
    return [m.strip() for m in re.findall(r"^\s*(?:-\s+)?uses:\s*(.+)$", text, re.M)]


def secrets_in(value: Any) -> bool:
    return "secrets." in str(value)


def test_the_workflows_are_ci_release_and_schema_sync() -> None:
    assert NAMES == ["ci.yml", "release.yml", "schema-sync.yml"]


@pytest.mark.parametrize("name", NAMES)
def test_every_make_target_a_workflow_runs_exists(name: str) -> None:
    targets = make_targets(load(name))
    assert targets, f"{name} runs no make target"
    assert set(targets) <= MAKE_TARGETS, set(targets) - MAKE_TARGETS


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_by_a_commit_sha_with_its_tag_in_a_comment(name: str) -> None:
    lines = uses_lines(name)
    assert len(lines) == len([s for s in steps(load(name)) if "uses" in s])
    assert lines
    unpinned = [line for line in lines if not PINNED.match(line)]
    assert unpinned == [], f"{name}: not `owner/repo@<sha> # vX.Y.Z`: {unpinned}"


def test_one_action_is_pinned_to_one_sha_everywhere() -> None:
    """Two workflows never run two commits of the same action under one tag."""
    pins: dict[str, set[str]] = {}
    for name in NAMES:
        for line in uses_lines(name):
            action, _, rest = line.partition("@")
            pins.setdefault(action, set()).add(rest)
    assert {action: sorted(p) for action, p in pins.items() if len(p) > 1} == {}


@pytest.mark.parametrize("name", NAMES)
def test_nothing_is_permitted_by_default_and_each_job_declares_its_permissions(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job_name, job in jobs(workflow).items():
        assert isinstance(job.get("permissions"), dict), f"{name}: {job_name} declares none"
        assert all(v in ("read", "write", "none") for v in job["permissions"].values())


def test_an_oidc_token_only_where_pypi_is_published_to() -> None:
    with_oidc = [
        (name, job_name)
        for name in NAMES
        for job_name, job in jobs(load(name)).items()
        if job["permissions"].get("id-token") not in (None, "none")
    ]
    assert with_oidc == [("release.yml", "publish")]


def test_only_schema_sync_and_the_publish_job_may_write() -> None:
    writes = {
        (name, job_name): sorted(k for k, v in job["permissions"].items() if v == "write")
        for name in NAMES
        for job_name, job in jobs(load(name)).items()
        if "write" in job["permissions"].values()
    }
    assert writes == {
        ("release.yml", "publish"): ["attestations", "id-token"],
        ("schema-sync.yml", "sync"): ["contents", "pull-requests"],
    }


@pytest.mark.parametrize("name", NAMES)
def test_no_workflow_runs_on_pull_request_target(name: str) -> None:
    text = (WORKFLOWS / name).read_text("utf-8")
    assert "pull_request_target" not in triggers(load(name))
    assert "pull_request_target" not in text
    assert "workflow_run" not in triggers(load(name))


@pytest.mark.parametrize("name", NAMES)
def test_no_secret_reaches_an_action(name: str) -> None:
    """Not in an action's step environment, nor in a job's or workflow's that runs one; a
    third-party action gets none in its inputs either."""
    workflow = load(name)
    assert not secrets_in(workflow.get("env"))
    for job_name, job in jobs(workflow).items():
        actions = [s for s in job["steps"] if "uses" in s]
        if actions:
            assert not secrets_in(job.get("env")), f"{name}: {job_name}'s env"
        for step in actions:
            assert not secrets_in(step.get("env")), f"{name}: {step['uses']}'s env"
            if not step["uses"].startswith(FIRST_PARTY):
                assert not secrets_in(step.get("with")), f"{name}: {step['uses']}'s inputs"


@pytest.mark.parametrize("name", NAMES)
def test_checkout_keeps_no_credentials(name: str) -> None:
    for step in steps(load(name)):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_ci_runs_every_check_and_the_tests_on_python_3_10_to_3_13() -> None:
    ci = load("ci.yml")
    assert {"push", "pull_request"} <= set(triggers(ci))
    assert {
        "generate-check",
        "lint",
        "typecheck",
        "docs",
        "workflows-lint",
        "api-check",
        "deps-check",
        "test-dist",
        "test-lowest",
        "mutation",
        "test",
    } <= set(make_targets(ci))
    matrix = jobs(ci)["test"]["strategy"]["matrix"]["python-version"]
    assert matrix == ["3.10", "3.11", "3.12", "3.13"]  # strings: YAML would read 3.10 as 3.1
    lowest = [s["run"] for s in jobs(ci)["test-lowest"]["steps"] if "run" in s]
    assert lowest[-1].startswith("make test-lowest"), lowest
    # The tests of what a fleet shares need a real redis-server on every job that runs them:
    # the job's make target installs it (its prerequisite `redis-server`), no step of its own.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for job, target in (("test", "test"), ("test-lowest", "test-lowest"), ("dist", "test-dist")):
        runs = [s["run"] for s in jobs(ci)[job]["steps"] if "run" in s]
        assert any(run.split()[:2] == ["make", target] for run in runs), job
        rule = re.search(rf"^{target}:([^#\n]*)", makefile, re.MULTILINE)
        assert rule is not None, target
        assert "redis-server" in rule.group(1).split(), target
    assert jobs(ci)["api"]["steps"][0]["with"]["fetch-depth"] == 0  # the last release's tag


def test_the_release_runs_on_version_tags_only() -> None:
    assert triggers(load("release.yml")) == {"push": {"tags": ["v*"]}}


def test_the_release_checks_the_tag_and_builds_and_checks_dist_once_and_uploads_it() -> None:
    release = jobs(load("release.yml"))
    build = release["build"]
    runs = [s["run"] for s in build["steps"] if "run" in s]
    assert runs == ['make release-check TAG="$TAG"', "make dist"]
    check = next(s for s in build["steps"] if "release-check" in s.get("run", ""))
    assert check["env"] == {"TAG": "${{ github.ref_name }}"}  # not expanded into the shell
    uploads = [
        s
        for job in release.values()
        for s in job["steps"]
        if "upload-artifact" in s.get("uses", "")
    ]
    (upload,) = uploads
    assert upload in build["steps"]
    assert upload["with"]["name"] == "dist"
    assert upload["with"]["path"] == "dist/"
    # Built once: no other job builds.
    for job_name, job in release.items():
        if job_name != "build":
            for step in job["steps"]:
                run = step.get("run", "")
                assert not re.search(r"make (dist|test-dist)\b|-m build|pip wheel", run), job_name
    # No dependency cache in a workflow that publishes.
    for job in release.values():
        for step in job["steps"]:
            assert "cache" not in step.get("with", {})


def test_the_release_tests_the_downloaded_wheel_then_publishes_after_the_tests() -> None:
    release = jobs(load("release.yml"))
    assert release["test"]["needs"] == "build"
    assert release["publish"]["needs"] == "test"
    for job_name in ("test", "publish"):
        (download,) = [
            s for s in release[job_name]["steps"] if "download-artifact" in s.get("uses", "")
        ]
        assert download["with"] == {"name": "dist", "path": "dist/"}
    runs = [s["run"] for s in release["test"]["steps"] if "run" in s]
    assert runs[-1] == "bash scripts/test_dist.sh"


def test_the_release_attests_and_publishes_with_trusted_publishing() -> None:
    publish = jobs(load("release.yml"))["publish"]
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "attestations": "write",
    }
    uses = [s["uses"].partition("@")[0] for s in publish["steps"]]
    assert uses == [
        "actions/download-artifact",
        "actions/attest-build-provenance",
        "pypa/gh-action-pypi-publish",
    ]
    attest, pypi = publish["steps"][1], publish["steps"][2]
    assert attest["with"]["subject-path"] == "dist/*"
    # Trusted publishing: no password, no token, no user; nothing but the OIDC token.
    assert set(pypi.get("with", {})) <= {"packages-dir", "print-hash", "attestations"}
    assert pypi.get("with", {}).get("attestations", True) is not False
    assert "env" not in pypi
    assert not any("run" in s for s in publish["steps"])


def test_schema_sync_runs_on_a_schedule_and_by_hand() -> None:
    on = triggers(load("schema-sync.yml"))
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert on["schedule"][0]["cron"]


def test_schema_sync_gives_the_token_to_the_schema_pull_step_only() -> None:
    sync = load("schema-sync.yml")
    job = jobs(sync)["sync"]
    assert "env" not in job
    assert "env" not in sync
    with_secrets = [s for s in job["steps"] if secrets_in(s)]
    assert len(with_secrets) == 1
    (pull,) = with_secrets
    assert pull["env"]["VOLT_API_TOKEN"] == "${{ secrets.VOLT_API_TOKEN }}"
    assert "uses" not in pull
    assert make_targets({"jobs": {"sync": {"steps": [pull]}}}) == ["schema-pull"]
    # Installed before the token is in any environment.
    runs = [s.get("run", "") for s in job["steps"]]
    assert runs.index("make install") < job["steps"].index(pull)


def test_schema_sync_pulls_diffs_regenerates_tests_and_opens_a_pull_request_with_the_report() -> (
    None
):
    sync = load("schema-sync.yml")
    assert make_targets(sync) == ["install", "schema-pull", "schema-diff", "generate", "test"]
    (pr,) = [s for s in steps(sync) if str(s.get("uses", "")).startswith("peter-evans/")]
    assert pr["uses"].startswith("peter-evans/create-pull-request@")
    assert pr["with"]["body-path"] == "schema-diff.md"
    assert "token" not in pr["with"]  # the job's own GITHUB_TOKEN, no stored secret
    assert "schema-diff.md" in next(s["run"] for s in steps(sync) if s.get("id") == "diff")


def test_schema_sync_fails_when_the_diff_says_our_operations_break() -> None:
    last = steps(load("schema-sync.yml"))[-1]
    assert last["if"] == "steps.diff.outputs.status != '0'"
    assert "exit 1" in last["run"]
