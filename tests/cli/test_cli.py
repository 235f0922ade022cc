"""The CLI through its real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from paperkg.cli import COMMANDS, main, make_parser

FIXTURES = Path(__file__).parent.parent / "fixtures"
README = Path(__file__).parent.parent.parent / "README.md"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paperkg", *args], capture_output=True,
                          text=True, timeout=300)


def test_build_is_deterministic_and_complete(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert main(["-q", "build", str(FIXTURES / "papers.jsonl"), "--out", str(out),
                     "--no-timings", "--no-progress"]) == 0
    for name in ("graph.ttl", "graph.jsonld", "graph.graphml", "graph.html", "report.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    report = json.loads((first / "report.json").read_text())
    assert report["papers"] == 4 and report["skipped"] == []
    assert report["entities"]["Technique"] >= 2


def test_missing_path_is_one_line_and_exit_2(tmp_path):
    result = run_cli("build", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nope.jsonl" in result.stderr


def test_unknown_format_is_an_error(tmp_path):
    result = run_cli("build", str(FIXTURES / "papers.jsonl"), "--format", "yaml",
                     "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "jsonl" in result.stderr  # the valid choices are named


def test_bad_records_are_skipped_and_reported(tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = (FIXTURES / "papers.jsonl").read_text().splitlines()[0]
    bad.write_text(good + "\n{not json\n" + json.dumps({"title": "no abstract"}) + "\n")
    out = tmp_path / "o"
    assert main(["-q", "build", str(bad), "--out", str(out), "--no-html", "--no-progress"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["papers"] == 1
    assert [(s["line"]) for s in report["skipped"]] == [2, 3]
    assert all(s["file"].endswith("bad.jsonl") and s["reason"] for s in report["skipped"])


def test_failed_build_leaves_previous_outputs(tmp_path):
    out = tmp_path / "o"
    assert main(["-q", "build", str(FIXTURES / "papers.jsonl"), "--out", str(out),
                 "--no-html", "--no-progress"]) == 0
    before = (out / "graph.ttl").read_bytes()
    assert main(["-q", "build", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert (out / "graph.ttl").read_bytes() == before
    assert not list(out.glob(".staging-*"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command):
    parser = make_parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    help_text = sub.format_help()
    assert "example" in help_text.lower() and f"paperkg {command}" in help_text
    assert f"paperkg {command}" in README.read_text()


def test_help_runs_through_the_console_entry_point():
    result = run_cli("--help")
    assert result.returncode == 0 and "build" in result.stdout
