"""The GitHub Actions workflows parse, run only Makefile targets that exist, keep their promises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # pyyaml ships no stubs; pinned in dev

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MAKE_TARGETS = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))


def load(name: str) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    return document


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    found: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]
    return found


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def make_targets(workflow: dict[Any, Any]) -> list[str]:
    """Every target of every `make ...` command the workflow's steps run, in order."""
    targets: list[str] = []
    for step in steps(workflow):
        for command in re.findall(r"(?:^|[\s;&|(])make\s+([^;&|>\n]*)", str(step.get("run", ""))):
            targets += [w for w in command.split() if not w.startswith("-") and "=" not in w]
    return targets


@pytest.mark.parametrize("name", ["ci.yml", "schema-sync.yml"])
def test_every_make_target_a_workflow_runs_exists(name: str) -> None:
    targets = make_targets(load(name))
    assert targets, f"{name} runs no make target"
    assert set(targets) <= MAKE_TARGETS, set(targets) - MAKE_TARGETS


@pytest.mark.parametrize("name", ["ci.yml", "schema-sync.yml"])
def test_every_workflow_uses_the_pinned_major_versions_of_its_actions(name: str) -> None:
    uses = {step["uses"] for step in steps(load(name)) if "uses" in step}
    assert {"actions/checkout@v4", "actions/setup-python@v5"} <= uses


def test_ci_runs_lint_typecheck_generate_check_and_the_tests_on_python_3_10_to_3_13() -> None:
    ci = load("ci.yml")
    assert {"push", "pull_request"} <= set(triggers(ci))
    assert {"generate-check", "lint", "typecheck", "test"} <= set(make_targets(ci))
    matrix = ci["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert matrix == ["3.10", "3.11", "3.12", "3.13"]  # strings: YAML would read 3.10 as 3.1


def test_schema_sync_runs_on_a_schedule_and_by_hand_with_the_token_secret() -> None:
    sync = load("schema-sync.yml")
    on = triggers(sync)
    assert "workflow_dispatch" in on
    assert on["schedule"][0]["cron"]
    assert sync["jobs"]["sync"]["env"]["VOLT_API_TOKEN"] == "${{ secrets.VOLT_API_TOKEN }}"


def test_schema_sync_pulls_diffs_regenerates_tests_and_opens_a_pull_request_with_the_report() -> (
    None
):
    sync = load("schema-sync.yml")
    assert make_targets(sync) == ["schema-pull", "schema-diff", "generate", "test"]
    (pr,) = [s for s in steps(sync) if str(s.get("uses", "")).startswith("peter-evans/")]
    assert pr["uses"] == "peter-evans/create-pull-request@v6"
    assert pr["with"]["body-path"] == "schema-diff.md"
    assert "schema-diff.md" in next(s["run"] for s in steps(sync) if s.get("id") == "diff")


def test_schema_sync_fails_when_the_diff_says_our_operations_break() -> None:
    last = steps(load("schema-sync.yml"))[-1]
    assert last["if"] == "steps.diff.outputs.status != '0'"
    assert "exit 1" in last["run"]
