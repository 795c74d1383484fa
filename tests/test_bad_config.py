"""Bad configurations: each is refused at load time with one line per problem, naming the key.

Every case runs ``corpuskit build --config c.toml`` on a small valid input and
asserts the exit code, the exact ``Error:`` lines (key, what was expected, what
was found, and the likely meant key or value for a near miss) and that nothing
was published or left in the project folder. Counted in the issue's bad-input
corpus (see ``test_bad_input_corpus.py`` for the rest).
"""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from corpuskit.cli import main

HEADER = 'name = "x"\nversion = "1.0.0"\n'
INPUT = '{"text": "A body text that is long enough to keep.", "title": "T"}\n'
LICENCE = ("expected a Hub licence id (e.g. 'mit', 'cc-by-4.0', 'unknown', or 'other' with "
           "license_name and license_link)")
LANGUAGE = "expected ISO 639-1/639-3 codes or BCP-47 tags (e.g. 'en', 'en-US')"
LINK = "expected an http(s) URL or a file in the configuration's folder"
REQUIRED = "(the Hub card names a custom licence with license_name and license_link)"
STEPS = "fix_encoding, normalize_whitespace, strip_boilerplate, normalize_variants, detect_language, dedup"

# (case id, TOML after the header (a leading "!" drops the header), the error lines after "c.toml: ")
CASES = [
    ('language-string', 'language = "en"', [
        'language: expected a list of strings, got \'en\' (a string); write language = ["en"]',
    ]),
    ('language-name', 'language = ["english"]', [
        'language: ' + LANGUAGE + ", got 'english' (a string); did you mean 'en'?",
    ]),
    ('language-name-capital', 'language = ["French"]', [
        'language: ' + LANGUAGE + ", got 'French' (a string); did you mean 'fr'?",
    ]),
    ('language-upper', 'language = ["EN"]', [
        'language: ' + LANGUAGE + ", got 'EN' (a string); did you mean 'en'?",
    ]),
    ('language-underscore', 'language = ["en_US"]', [
        'language: ' + LANGUAGE + ", got 'en_US' (a string); did you mean 'en-US'?",
    ]),
    ('language-number', 'language = [5]', [
        'language: expected a list of non-empty strings, e.g. ["en"], got [5] (an array)',
    ]),
    ('language-empty-string', 'language = [""]', [
        'language: expected a list of non-empty strings, e.g. ["en"], got [\'\'] (an array)',
    ]),
    ('language-unknown', 'language = ["klingonese"]', [
        'language: ' + LANGUAGE + ", got 'klingonese' (a string)",
    ]),
    ('language-table', 'language = {en = true}', [
        'language: expected a list of non-empty strings, e.g. ["en"], got {\'en\': True} (a table)',
    ]),
    ('license-number', 'license = 5', [
        'license: ' + LICENCE + ', got 5 (an integer)',
    ]),
    ('license-made-up', 'license = "MIT-ish"', [
        'license: ' + LICENCE + ", got 'MIT-ish' (a string)",
    ]),
    ('license-case', 'license = "MIT"', [
        'license: ' + LICENCE + ", got 'MIT' (a string); did you mean 'mit'?",
    ]),
    ('license-typo', 'license = "apache2.0"', [
        'license: ' + LICENCE + ", got 'apache2.0' (a string); did you mean 'apache-2.0'?",
    ]),
    ('license-list', 'license = ["mit"]', [
        'license: ' + LICENCE + ", got ['mit'] (an array)",
    ]),
    ('license-other-bare', 'license = "other"', [
        'license_name: required with license = "other" ' + REQUIRED,
        'license_link: required with license = "other" ' + REQUIRED,
    ]),
    ('license-other-no-link', 'license = "other"\nlicense_name = "my-terms"', [
        'license_link: required with license = "other" ' + REQUIRED,
    ]),
    ('license-other-no-name', 'license = "other"\nlicense_link = "https://example.org/terms"', [
        'license_name: required with license = "other" ' + REQUIRED,
    ]),
    ('license-name-without-other', 'license = "mit"\nlicense_name = "my-terms"', [
        'license_name: only used with license = "other" (license is \'mit\'); remove it',
    ]),
    ('license-link-without-other', 'license_link = "https://example.org/terms"', [
        'license_link: only used with license = "other" (license is \'unknown\'); remove it',
    ]),
    ('license-name-format', 'license = "other"\nlicense_name = "My Terms"\nlicense_link = "https://example.org/t"', [
        "license_name: expected a lower-case id of letters, digits, '-' and '.', e.g. 'my-license-1.0', got 'My Terms' (a string)",
    ]),
    ('license-name-number', 'license = "other"\nlicense_name = 7\nlicense_link = "https://example.org/t"', [
        'license_name: expected a string, got 7 (an integer)',
    ]),
    ('license-link-absolute', 'license = "other"\nlicense_name = "t"\nlicense_link = "/etc/passwd"', [
        'license_link: ' + LINK + ", got '/etc/passwd' (a string); a relative path below the configuration's folder, or a URL",
    ]),
    ('license-link-parent', 'license = "other"\nlicense_name = "t"\nlicense_link = "../terms.md"', [
        'license_link: ' + LINK + ", got '../terms.md' (a string); a relative path below the configuration's folder, or a URL",
    ]),
    ('license-link-missing', 'license = "other"\nlicense_name = "t"\nlicense_link = "TERMS.md"', [
        'license_link: ' + LINK + ", got 'TERMS.md' (a string); no such file in {root} (the build ships it beside the card)",
    ]),
    ('license-link-reserved', 'license = "other"\nlicense_name = "t"\nlicense_link = "README.md"', [
        'license_link: ' + LINK + ", got 'README.md' (a string); README.md is a file the build writes itself; rename the licence file",
    ]),
    ('license-link-number', 'license = "other"\nlicense_name = "t"\nlicense_link = 5', [
        'license_link: expected a string, got 5 (an integer)',
    ]),
    ('task-string', 'task_categories = "text-generation"', [
        'task_categories: expected a list of strings, got \'text-generation\' (a string); write task_categories = ["text-generation"]',
    ]),
    ('task-typo', 'task_categories = ["text-generaton"]', [
        "task_categories: expected Hub task categories (e.g. 'text-generation'), got 'text-generaton' (a string); did you mean 'text-generation'?",
    ]),
    ('task-unknown', 'task_categories = ["novel-writing"]', [
        "task_categories: expected Hub task categories (e.g. 'text-generation'), got 'novel-writing' (a string)",
    ]),
    ('description-list', 'description = ["a"]', [
        "description: expected a string, got ['a'] (an array)",
    ]),
    ('description-number', 'description = 3', [
        'description: expected a string, got 3 (an integer)',
    ]),
    ('pretty-name-bool', 'pretty_name = true', [
        'pretty_name: expected a string, got True (a boolean)',
    ]),
    ('name-number', '!name = 5\nversion = "1.0.0"', [
        "name: expected letters, digits, '.', '_' or '-' (at most 96), got 5 (an integer)",
    ]),
    ('name-spaces', '!name = "bad name!"\nversion = "1.0.0"', [
        "name: expected letters, digits, '.', '_' or '-' (at most 96), got 'bad name!' (a string)",
    ]),
    ('version-number', '!name = "x"\nversion = 1', [
        "version: expected MAJOR.MINOR.PATCH, e.g. '1.0.0', got 1 (an integer)",
    ]),
    ('version-short', '!name = "x"\nversion = "1.0"', [
        "version: expected MAJOR.MINOR.PATCH, e.g. '1.0.0', got '1.0' (a string)",
    ]),
    ('version-float', '!name = "x"\nversion = 1.0', [
        "version: expected MAJOR.MINOR.PATCH, e.g. '1.0.0', got 1.0 (a number)",
    ]),
    ('on-error-word', 'on_error = "ignore"', [
        "on_error: expected 'raise' or 'skip', got 'ignore' (a string)",
    ]),
    ('on-error-bool', 'on_error = true', [
        "on_error: expected 'raise' or 'skip', got True (a boolean)",
    ]),
    ('inputs-string', 'inputs = "seeds"', [
        'inputs: expected a list of strings, got \'seeds\' (a string); write inputs = ["seeds"]',
    ]),
    ('inputs-number', 'inputs = [1]', [
        'inputs: expected a list of non-empty strings, e.g. ["seeds"], got [1] (an array)',
    ]),
    ('inputs-empty-string', 'inputs = [""]', [
        'inputs: expected a list of non-empty strings, e.g. ["seeds"], got [\'\'] (an array)',
    ]),
    ('shard-bytes-string', 'shard_bytes = "big"', [
        "shard_bytes: expected an integer of at least 1048576, got 'big' (a string)",
    ]),
    ('shard-bytes-small', 'shard_bytes = 10', [
        'shard_bytes: expected an integer of at least 1048576, got 10 (an integer)',
    ]),
    ('shard-bytes-bool', 'shard_bytes = true', [
        'shard_bytes: expected an integer of at least 1048576, got True (a boolean)',
    ]),
    ('shard-bytes-float', 'shard_bytes = 1e9', [
        'shard_bytes: expected an integer of at least 1048576, got 1000000000.0 (a number)',
    ]),
    ('unknown-key-typo', 'langauge = ["en"]', [
        "unknown configuration key 'langauge'; did you mean 'language'?",
    ]),
    ('unknown-key', 'colour = "red"', [
        "unknown configuration key 'colour'; known: check, description, digest, encoding, encodings, engine, engine_address, fields, hub_repo, inputs, language, license, license_link, license_name, name, on_error, pipeline, pretty_name, rai, shard_bytes, task_categories, variants, version",
    ]),
    ('check-typo', '[check]\nmin_charz = 10', [
        "unknown [check] key 'min_charz'; did you mean 'min_chars'?",
    ]),
    ('check-unknown', '[check]\nspeed = 10', [
        "unknown [check] key 'speed'; known: allow_empty, min_chars, near_duplicate_threshold, skip",
    ]),
    ('check-string', '[check]\nmin_chars = "40"', [
        "[check] min_chars: expected an integer >= 0, got '40' (a string)",
    ]),
    ('check-negative', '[check]\nmin_chars = -1', [
        '[check] min_chars: expected an integer >= 0, got -1 (an integer)',
    ]),
    ('check-float', '[check]\nmin_chars = 4.5', [
        '[check] min_chars: expected an integer >= 0, got 4.5 (a number)',
    ]),
    ('check-bool', '[check]\nmin_chars = true', [
        '[check] min_chars: expected an integer >= 0, got True (a boolean)',
    ]),
    ('check-threshold-big', '[check]\nnear_duplicate_threshold = 2', [
        '[check] near_duplicate_threshold: expected a number above 0 and at most 1, got 2 (an integer)',
    ]),
    ('check-threshold-zero', '[check]\nnear_duplicate_threshold = 0', [
        '[check] near_duplicate_threshold: expected a number above 0 and at most 1, got 0 (an integer)',
    ]),
    ('check-threshold-nan', '[check]\nnear_duplicate_threshold = nan', [
        '[check] near_duplicate_threshold: expected a number above 0 and at most 1, got nan (a number)',
    ]),
    ('check-threshold-inf', '[check]\nnear_duplicate_threshold = inf', [
        '[check] near_duplicate_threshold: expected a number above 0 and at most 1, got inf (a number)',
    ]),
    ('check-threshold-string', '[check]\nnear_duplicate_threshold = "high"', [
        "[check] near_duplicate_threshold: expected a number above 0 and at most 1, got 'high' (a string)",
    ]),
    ('check-skip-string', '[check]\nskip = "records"', [
        "[check] skip: expected a list of check names, got 'records' (a string)",
    ]),
    ('check-allow-empty-string', '[check]\nallow_empty = "yes"', [
        "[check] allow_empty: expected true or false, got 'yes' (a string)",
    ]),
    ('check-not-table', 'check = 5', [
        '[check]: expected a table of thresholds, got 5 (an integer)',
    ]),
    ('variants-not-table', 'variants = "Nagorno"', [
        '[variants] must be a table of canonical = [variants]',
    ]),
    ('variants-string', '[variants]\n"Nagorno" = "Nargono"', [
        "[variants] 'Nagorno' must be a list of strings, e.g. 'Nagorno' = [\"variant\"]",
    ]),
    ('pipeline-string', 'pipeline = "dedup"', [
        "pipeline: expected [[pipeline]] tables, got 'dedup' (a string)",
    ]),
    ('pipeline-list-of-strings', 'pipeline = ["dedup"]', [
        "pipeline: expected [[pipeline]] tables, got ['dedup'] (an array)",
    ]),
    ('step-unknown', '[[pipeline]]\nstep = "fix_everything"', [
        "unknown pipeline step 'fix_everything'; did you mean 'fix_encoding'?",
    ]),
    ('step-number', '[[pipeline]]\nstep = 5', [
        'unknown pipeline step 5; known: ' + STEPS,
    ]),
    ('step-missing', '[[pipeline]]\nfields = ["text"]', [
        'a [[pipeline]] table has no step = NAME (known: ' + STEPS + ')',
    ]),
    ('language-languages-string', '[[pipeline]]\nstep = "detect_language"\nlanguages = "en"', [
        "pipeline step 'detect_language': languages: expected a list of strings, got 'en' (a string)",
    ]),
    ('language-languages-numbers', '[[pipeline]]\nstep = "detect_language"\nlanguages = [1, 2]', [
        "pipeline step 'detect_language': languages: expected a list of strings, got [1, 2] (an array)",
    ]),
    ('language-probability-word', '[[pipeline]]\nstep = "detect_language"\nmin_probability = "high"', [
        "pipeline step 'detect_language': min_probability: expected a number >= 0, got 'high' (a string)",
    ]),
    ('language-probability-bool', '[[pipeline]]\nstep = "detect_language"\nmin_probability = true', [
        "pipeline step 'detect_language': min_probability: expected a number >= 0, got True (a boolean)",
    ]),
    ('language-probability-negative', '[[pipeline]]\nstep = "detect_language"\nmin_probability = -0.5', [
        "pipeline step 'detect_language': min_probability: expected a number >= 0, got -0.5 (a number)",
    ]),
    ('language-probability-above-one', '[[pipeline]]\nstep = "detect_language"\nmin_probability = 1.5', [
        "pipeline step 'detect_language': min_probability: expected a number from 0 to 1, got 1.5 (a number)",
    ]),
    ('language-probability-nan', '[[pipeline]]\nstep = "detect_language"\nmin_probability = nan', [
        "pipeline step 'detect_language': min_probability: expected a number >= 0, got nan (a number)",
    ]),
    ('language-letters-float', '[[pipeline]]\nstep = "detect_language"\nmin_letters = 2.5', [
        "pipeline step 'detect_language': min_letters: expected an integer >= 0, got 2.5 (a number)",
    ]),
    ('language-sample-string', '[[pipeline]]\nstep = "detect_language"\nsample_chars = "many"', [
        "pipeline step 'detect_language': sample_chars: expected an integer >= 0, got 'many' (a string)",
    ]),
    ('language-param-typo', '[[pipeline]]\nstep = "detect_language"\nmin_leters = 3', [
        "pipeline step 'detect_language': unknown parameter 'min_leters'; did you mean 'min_letters'?",
    ]),
    ('boilerplate-rules-string', '[[pipeline]]\nstep = "strip_boilerplate"\nrules = "share_bar"', [
        "pipeline step 'strip_boilerplate': rules: expected a list of strings, got 'share_bar' (a string)",
    ]),
    ('boilerplate-rule-typo', '[[pipeline]]\nstep = "strip_boilerplate"\nrules = ["share_barr"]', [
        "pipeline step 'strip_boilerplate': unknown rule 'share_barr' (known: reporting_trailer, read_more, watch_videos, photo_caption, share_bar, newsletter, copyright)",
    ]),
    ('boilerplate-extra-rule-number', '[[pipeline]]\nstep = "strip_boilerplate"\nextra_rules = {x = 5}', [
        "pipeline step 'strip_boilerplate': extra_rules: expected a table of name = string, got {'x': 5} (a table)",
    ]),
    ('variants-lexicon-number', '[[pipeline]]\nstep = "normalize_variants"\nlexicon = 5', [
        "pipeline step 'normalize_variants': lexicon: expected a table of name = [strings], got 5 (an integer)",
    ]),
    ('variants-lexicon-string-value', '[[pipeline]]\nstep = "normalize_variants"\nlexicon = {"A" = "B"}', [
        "pipeline step 'normalize_variants': lexicon: expected a table of name = [strings], "
        "got {'A': 'B'} (a table)",
    ]),
    ('pretty-name-empty', 'pretty_name = ""', [
        "pretty_name: expected a non-empty one-line string, got '' (a string)",
    ]),
    ('pretty-name-two-lines', 'pretty_name = "a\\nb"', [
        "pretty_name: expected a non-empty one-line string, got 'a\\nb' (a string)",
    ]),
    ('boilerplate-extra-string', '[[pipeline]]\nstep = "strip_boilerplate"\nextra_rules = "x"', [
        "pipeline step 'strip_boilerplate': extra_rules: expected a table of name = string, got 'x' (a string)",
    ]),
    ('encoding-fields-string', '[[pipeline]]\nstep = "fix_encoding"\nfields = "text"', [
        "pipeline step 'fix_encoding': fields: expected a list of strings, got 'text' (a string)",
    ]),
    ('encoding-field-typo', '[[pipeline]]\nstep = "fix_encoding"\nfields = ["txt"]', [
        "pipeline step 'fix_encoding': fields: 'txt' is not a record field; did you mean 'text'?",
    ]),
    ('encoding-field-unknown', '[[pipeline]]\nstep = "fix_encoding"\nfields = ["body_html"]', [
        "pipeline step 'fix_encoding': fields: 'body_html' is not a record field; known: id, title, outlet, date, time, author, url, text",
    ]),
    ('variants-fields-numbers', '[[pipeline]]\nstep = "normalize_variants"\nfields = [1]', [
        "pipeline step 'normalize_variants': fields: expected a list of strings, got [1] (an array)",
    ]),
    ('dedup-containment-big', '[[pipeline]]\nstep = "dedup"\ncontainment = 2', [
        "pipeline step 'dedup': containment must be between 0 and 1, not 2",
    ]),
    ('dedup-containment-bool', '[[pipeline]]\nstep = "dedup"\ncontainment = true', [
        "pipeline step 'dedup': containment: expected a number >= 0, got True (a boolean)",
    ]),
    ('dedup-mode', '[[pipeline]]\nstep = "dedup"\nmode = "keep"', [
        "pipeline step 'dedup': mode must be 'drop' or 'annotate', not 'keep'",
    ]),
    ('dedup-days-string', '[[pipeline]]\nstep = "dedup"\nmax_days = "7"', [
        "pipeline step 'dedup': max_days: expected an integer >= 0, got '7' (a string)",
    ]),
    ('dedup-days-negative', '[[pipeline]]\nstep = "dedup"\nmax_days = -1', [
        "pipeline step 'dedup': max_days: expected an integer >= 0, got -1 (an integer)",
    ]),
    ('dedup-preset-number', '[[pipeline]]\nstep = "dedup"\npreset = 3', [
        "pipeline step 'dedup': preset: expected a string, got 3 (an integer)",
    ]),
    ('dedup-not-last', '[[pipeline]]\nstep = "dedup"\n[[pipeline]]\nstep = "fix_encoding"', [
        "the 'dedup' step must come last in the pipeline",
    ]),
    ('step-twice', '[[pipeline]]\nstep = "fix_encoding"\n[[pipeline]]\nstep = "fix_encoding"', [
        "pipeline step 'fix_encoding' appears twice",
    ]),
    ('many-problems', 'language = "en"\nlicense = 5\ndescription = ["a"]\n[check]\nmin_charz = 1\n[[pipeline]]\nstep = "detect_language"\nmin_probability = "high"', [
        "description: expected a string, got ['a'] (an array)",
        'license: ' + LICENCE + ', got 5 (an integer)',
        'language: expected a list of strings, got \'en\' (a string); write language = ["en"]',
        "unknown [check] key 'min_charz'; did you mean 'min_chars'?",
        "pipeline step 'detect_language': min_probability: expected a number >= 0, got 'high' (a string)",
    ]),
]


def run_build(folder, toml: str):
    (folder / "c.toml").write_text(toml, encoding="utf-8")
    return CliRunner().invoke(main, ["build", "in.jsonl", "--config", "c.toml", "--out", "out",
                                     "--workers", "1", "-q"])


@pytest.fixture
def folder(tmp_path, chdir):
    (tmp_path / "in.jsonl").write_text(INPUT)
    return chdir(tmp_path)


def assert_refused(folder, result, lines: list[str]) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [f"Error: {line}" for line in lines]
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert sorted(os.listdir(folder)) == ["c.toml", "in.jsonl"]  # nothing published, nothing left


@pytest.mark.parametrize("body,lines", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_configuration_is_refused_with_one_line_per_problem(folder, body, lines):
    toml = body[1:] if body.startswith("!") else HEADER + body
    expected = ["c.toml: " + line.replace("{root}", str(folder)) for line in lines]
    assert_refused(folder, run_build(folder, toml + "\n"), expected)


# -- files that are not UTF-8 TOML -------------------------------------------------------------

FILES = [
    ("binary", b"\x92\xff\x00\x13garbage\n",
     ["c.toml:1: not UTF-8 text (byte 0x92); a configuration file must be UTF-8 TOML"]),
    ("latin-1-line-3", HEADER.encode() + b'description = "caf\xe9"\n',
     ["c.toml:3: not UTF-8 text (byte 0xe9); a configuration file must be UTF-8 TOML"]),
    ("syntax", b'name = \n', ["c.toml: invalid TOML (Invalid value (at line 1, column 8))"]),
    ("surrogate-escape", HEADER.encode() + b'description = "x\\udc80y"\n',
     ["c.toml: invalid TOML (Escaped character is not a Unicode scalar value (at line 3, column 23))"]),
    ("deep-array", HEADER.encode() + b"description = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
     ["c.toml: invalid TOML (nested too deeply to read)"]),
    ("huge-integer", HEADER.encode() + b"shard_bytes = " + b"7" * 5000 + b"\n",
     ["c.toml: invalid TOML (an integer of more than 4300 digits)"]),
]


@pytest.mark.parametrize("data,lines", [c[1:] for c in FILES], ids=[c[0] for c in FILES])
def test_config_file_that_is_not_utf8_toml_is_one_line(folder, data, lines):
    (folder / "c.toml").write_bytes(data)
    result = CliRunner().invoke(main, ["build", "in.jsonl", "--config", "c.toml", "--out", "out",
                                       "--workers", "1", "-q"])
    assert_refused(folder, result, lines)


def test_project_config_names_itself(folder):
    (folder / "c.toml").unlink(missing_ok=True)
    (folder / "corpuskit.toml").write_text(HEADER + 'language = ["english"]\n')
    result = CliRunner().invoke(main, ["build", "in.jsonl", "--out", "out", "--workers", "1", "-q"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: corpuskit.toml: language: {LANGUAGE}, got 'english' (a string); did you mean 'en'?"]
    assert sorted(os.listdir(folder)) == ["corpuskit.toml", "in.jsonl"]


def test_pyproject_tool_table_must_be_a_table(folder):
    (folder / "pyproject.toml").write_text('[tool]\ncorpuskit = 5\n')
    result = CliRunner().invoke(main, ["build", "in.jsonl", "--out", "out", "--workers", "1", "-q"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: pyproject.toml: [tool.corpuskit]: expected a table, got 5 (an integer)"]
    assert sorted(os.listdir(folder)) == ["in.jsonl", "pyproject.toml"]


# -- what a good configuration gets ------------------------------------------------------------


def test_a_custom_licence_is_named_linked_and_shipped(folder):
    (folder / "TERMS.md").write_text("Research use only.\n")
    result = run_build(folder, HEADER + 'license = "other"\nlicense_name = "research-only"\n'
                                        'license_link = "TERMS.md"\n')
    assert result.exit_code == 0, result.output
    card = (folder / "out" / "README.md").read_text()
    assert "license: other\nlicense_name: research-only\nlicense_link: TERMS.md\n" in card
    assert (folder / "out" / "TERMS.md").read_text() == "Research use only.\n"
    check = CliRunner().invoke(main, ["check", "out", "--no-load"])
    assert check.exit_code == 0, check.output


def test_a_url_licence_link_is_written_as_is(folder):
    result = run_build(folder, HEADER + 'license = "other"\nlicense_name = "research-only"\n'
                                        'license_link = "https://example.org/terms"\n')
    assert result.exit_code == 0, result.output
    assert "license_link: https://example.org/terms\n" in (folder / "out" / "README.md").read_text()
    # no licence file is shipped for a URL link (release files and the picture are the build's own)
    assert not set(os.listdir(folder / "out")) - {"README.md", "corpuskit.toml", "data", "manifest.json",
                                                   "CHANGELOG.md", "croissant.json", "stats.png"}


def test_without_a_licence_the_card_says_unknown(folder):
    result = run_build(folder, HEADER)
    assert result.exit_code == 0, result.output
    card = (folder / "out" / "README.md").read_text()
    assert "\nlicense: unknown\n" in card and "license_name" not in card


def test_the_gate_refuses_a_custom_licence_without_its_name_and_link(folder):
    """A card edited after publishing (or written by another tool) is checked the same way."""
    (folder / "TERMS.md").write_text("Research use only.\n")
    run_build(folder, HEADER + 'license = "other"\nlicense_name = "research-only"\nlicense_link = "TERMS.md"\n')
    (folder / "out" / "TERMS.md").unlink()
    card = folder / "out" / "README.md"
    card.write_text(card.read_text().replace("license_name: research-only\n", ""))
    result = CliRunner().invoke(main, ["check", "out", "--no-load"])
    assert result.exit_code == 1
    assert "license: other without license_name" in result.output
    assert "license_link 'TERMS.md' names no file in the version folder" in result.output


# -- property: any TOML-shaped value is accepted or refused with ConfigError, never a crash ----

def _toml_values():
    from hypothesis import strategies as st

    scalars = st.one_of(st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                        st.sampled_from(["en", "english", "mit", "other", "text-generation", "seeds",
                                         "drop", "share_bar", "text", "1.0.0", "x"]))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def _configs():
    from hypothesis import strategies as st

    from corpuskit.config import _KNOWN_KEYS, CHECK_KEYS
    from corpuskit.steps import STEPS

    values = _toml_values()
    steps = st.sampled_from(sorted(STEPS)).flatmap(lambda name: st.fixed_dictionaries(
        {"step": st.just(name)},
        optional={f: values for f in STEPS[name].Params.__dataclass_fields__}))
    top = {key: values for key in sorted(_KNOWN_KEYS - {"name", "version", "pipeline", "check"})}
    return st.fixed_dictionaries(
        {"name": st.just("x"), "version": st.just("1.0.0")},
        optional={**top, "pipeline": st.lists(steps, max_size=3),
                  "check": st.dictionaries(st.sampled_from(sorted(CHECK_KEYS) + ["min_charz"]), values,
                                           max_size=3)})


def test_any_configuration_is_accepted_or_refused_with_config_error(tmp_path):
    from hypothesis import HealthCheck, given, settings

    from corpuskit.config import parse_config
    from corpuskit.errors import ConfigError

    @settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(_configs())
    def run(data):
        try:
            config = parse_config(data, str(tmp_path), source_file="c.toml")
        except ConfigError as exc:
            assert exc.problems and all(line.startswith("c.toml: ") for line in exc.problems)
            assert all("\n" not in line for line in exc.problems)
        else:
            config.to_dict()  # a config that loads also round-trips

    run()


def test_licence_file_is_found_beside_the_config_from_any_directory(tmp_path, chdir):
    project = tmp_path / "project"
    project.mkdir()
    (project / "TERMS.md").write_text("Research use only.\n")
    (project / "in.jsonl").write_text(INPUT)
    (project / "c.toml").write_text(HEADER + 'license = "other"\nlicense_name = "research-only"\n'
                                             'license_link = "TERMS.md"\n')
    chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "project/in.jsonl", "--config", "project/c.toml",
                                       "--out", "out", "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "TERMS.md").read_text() == "Research use only.\n"
