"""The CLI: exact error lines for bad input, nothing published, help everywhere."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from corpuskit.cli import main

from helpers import FIXTURES, ROOT

GOOD_DIGEST = FIXTURES / "small_digest.txt"


def run(args, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, args)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, args)
    finally:
        os.chdir(old)


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 1, (result.exit_code, result.output, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def lexicon(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text('[variants]\n"Quake" = ["Quaek"]\n')
    return path


def _nothing_published(out):
    return not out.exists() and not [n for n in os.listdir(out.parent) if n.startswith(".tmp")]


def test_build_with_inputs_config_and_out(tmp_path, lexicon):
    out = tmp_path / "out"
    result = run(["build", str(GOOD_DIGEST), "--config", str(lexicon), "--out", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "published; 3 records, 0 removed" in result.output
    assert (out / "data" / "train-00000-of-00001.parquet").is_file()
    assert "gate:" not in result.output  # -q: the one line
    again = run(["build", str(GOOD_DIGEST), "--config", str(lexicon), "--out", str(out), "-q", "--workers", "1"])
    assert again.exit_code == 0 and "unchanged" in again.output


def test_build_says_its_gate_decides_on_failures_and_where_the_warnings_are(tmp_path, lexicon):
    out = tmp_path / "out"
    result = run(["build", str(GOOD_DIGEST), "--config", str(lexicon), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (f"gate: no check fails (warnings are not evaluated here: "
                                              f"corpuskit check {os.path.relpath(out)} lists them)")


def test_missing_input_file(tmp_path, lexicon):
    out = tmp_path / "out"
    result = run(["build", str(tmp_path / "nope.txt"), "--config", str(lexicon), "--out", str(out)])
    assert_one_line_error(result, "nope.txt", "no such file or folder")
    assert _nothing_published(out)


def test_empty_input_file(tmp_path, lexicon):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = tmp_path / "out"
    result = run(["build", str(empty), "--config", str(lexicon), "--out", str(out)])
    assert_one_line_error(result, "empty.txt", "file is empty")
    assert _nothing_published(out)


def test_binary_input_file(tmp_path, lexicon):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    out = tmp_path / "out"
    result = run(["build", str(binary), "--config", str(lexicon), "--out", str(out)])
    assert_one_line_error(result, "image.txt", "binary")
    assert _nothing_published(out)


def test_malformed_header_names_file_and_line(tmp_path, lexicon):
    bad = tmp_path / "bad.txt"
    bad.write_text(GOOD_DIGEST.read_text(encoding="utf-8").replace("September 4 2021", "Septembre 44 2021"),
                   encoding="utf-8")
    out = tmp_path / "out"
    result = run(["build", str(bad), "--config", str(lexicon), "--out", str(out)])
    assert_one_line_error(result, "bad.txt:")
    assert _nothing_published(out)


def test_bad_config_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('name = "x"\nversion = "1.0.0"\nlangauge = ["en"]\n')
    out = tmp_path / "out"
    result = run(["build", str(GOOD_DIGEST), "--config", str(config), "--out", str(out)])
    assert_one_line_error(result, "unknown configuration key 'langauge'", "c.toml")
    assert _nothing_published(out)


def test_no_project_config_outside_a_project(tmp_path):
    result = run(["build"], cwd=tmp_path)
    assert_one_line_error(result, "run from the project root or pass --config FILE")


def test_skip_bad_chunks_reports_and_continues(tmp_path, lexicon):
    bad = tmp_path / "bad.txt"
    bad.write_text("stray preface\n\n" + GOOD_DIGEST.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = run(["build", str(bad), "--config", str(lexicon), "--out", str(out), "-q", "--workers", "1",
                  "--skip-bad-chunks"])
    assert result.exit_code == 0, result.output
    assert "Warning: skipped: " in result.stderr and "bad.txt:1:" in result.stderr
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["skipped_chunks"]) == 1


def test_existing_different_version_is_refused(tmp_path, lexicon):
    out = tmp_path / "out"
    assert run(["build", str(GOOD_DIGEST), "--config", str(lexicon), "--out", str(out), "-q",
                "--workers", "1"]).exit_code == 0
    lexicon.write_text('[variants]\n"Drought" = ["Drougth"]\n')
    result = run(["build", str(GOOD_DIGEST), "--config", str(lexicon), "--out", str(out), "-q", "--workers", "1"])
    assert_one_line_error(result, "already published with different content")


def test_every_command_has_help():
    def walk(group, prefix):
        for name, command in group.commands.items():
            assert command.help, f"{prefix} {name} has no help"
            result = run(prefix.split()[1:] + [name, "--help"])
            assert result.exit_code == 0 and "Usage:" in result.output
            if isinstance(command, click.Group):
                walk(command, f"{prefix} {name}")

    walk(main, "corpuskit")


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "corpuskit", "--version"], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0 and "corpuskit, version" in result.stdout


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path):
    """``corpuskit ... | head``: exit 141 (SIGPIPE), nothing on stderr, no "internal error".

    The output (~480 KB) is far larger than a pipe's buffer, so the command is still
    writing when the reader leaves.
    """
    import json

    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps({"id": f"r{i}", "text": f"Body {i}.\n\nREAD MORE: Other story {i}"}) + "\n"
                              for i in range(6000)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "corpuskit", "clean", str(source), "--steps",
                             "strip_boilerplate", "--explain"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with proc:
        first = proc.stdout.readline()
        proc.stdout.close()  # what `head -1` does after its line
        stderr = proc.stderr.read()
    assert proc.returncode == 141, stderr
    assert first.endswith(b"strip_boilerplate:read_more\tREAD MORE: Other story 0\n")
    assert stderr == b""


def test_check_refuses_the_retired_near_duplicate_threshold_option_with_the_reason():
    """It changed nothing (the check runs the dedup engine): refused in one line, not ignored."""
    folder = ROOT / "dist" / "nagorno-karabakh-2020" / "1.1.0"
    result = run(["check", str(folder), "--no-load", "--near-duplicate-threshold", "0.5"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: --near-duplicate-threshold no longer exists: records.near_duplicates runs the dedup engine "
        "with the recorded dedup settings (one definition of a copy); to judge copies differently, change "
        "the dedup step's preset or containment and rebuild"]
