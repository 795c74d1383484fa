"""Configuration: defaults, validation with one clear message, round-trip."""

from __future__ import annotations

import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import tomli_w

from corpuskit.config import load_config, parse_config
from corpuskit.errors import ConfigError
from corpuskit.steps import DEFAULT_PIPELINE

from helpers import ROOT


def test_project_config_is_the_default_dataset():
    config = load_config(root=str(ROOT))
    assert config.name == "nagorno-karabakh-2020"
    assert config.version == "1.1.0"
    assert [s.name for s in config.pipeline] == list(DEFAULT_PIPELINE)
    assert config.variants["Nagorno"] == ("Nargono", "Nagorny")
    assert config.allowed_languages == ["en"]


def test_pyproject_tool_table_is_read_when_there_is_no_corpuskit_toml(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.corpuskit]\nname = "x"\nversion = "0.1.0"\n[tool.corpuskit.variants]\n"Ab" = ["Abb"]\n')
    config = load_config(root=str(tmp_path))
    assert (config.name, config.version, config.variants) == ("x", "0.1.0", {"Ab": ("Abb",)})


def test_missing_project_config_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="run from the project root or pass --config FILE"):
        load_config(root=str(tmp_path))


def test_standalone_lexicon_file_gets_name_and_version_defaults(tmp_path):
    path = tmp_path / "my-lexicon.toml"
    path.write_text('[variants]\n"Nakasone" = ["Nakasoni", "Nakason"]\n')
    config = load_config(str(path))
    assert (config.name, config.version) == ("my-lexicon", "1.0.0")
    assert [s.name for s in config.pipeline] == list(DEFAULT_PIPELINE)
    assert config.variants == {"Nakasone": ("Nakasoni", "Nakason")}


@pytest.mark.parametrize("table,message", [
    ({"name": "x", "version": "1.0.0", "colour": "red"}, "unknown configuration key 'colour'"),
    ({"name": "x", "version": "1.0"}, "version: expected MAJOR.MINOR.PATCH, e.g. '1.0.0', got '1.0'"),
    ({"name": "bad name!", "version": "1.0.0"}, "name: expected letters, digits, '.', '_' or '-' (at most 96), "
                                                "got 'bad name!'"),
    ({"name": "x", "version": "1.0.0", "pipeline": [{"step": "fix_everything"}]},
     "unknown pipeline step 'fix_everything'"),
    ({"name": "x", "version": "1.0.0", "pipeline": [{"step": "fix_encoding", "speed": 3}]},
     "pipeline step 'fix_encoding': unknown parameter 'speed'"),
    ({"name": "x", "version": "1.0.0", "pipeline": [{"step": "dedup"}, {"step": "fix_encoding"}]},
     "'dedup' step must come last"),
    ({"name": "x", "version": "1.0.0", "pipeline": [{"step": "fix_encoding"}, {"step": "fix_encoding"}]},
     "appears twice"),
    ({"name": "x", "version": "1.0.0", "variants": {"Nagorno": "Nargono"}}, "must be a list"),
    ({"name": "x", "version": "1.0.0", "variants": {"A": ["B"], "C": ["B"]}}, "listed under both"),
    ({"name": "x", "version": "1.0.0", "variants": {"A": ["B"], "B": ["C"]}}, "both a canonical form and a variant"),
    ({"name": "x", "version": "1.0.0", "on_error": "ignore"}, "on_error"),
    ({"version": "1.0.0"}, "missing required key 'name'"),
])
def test_invalid_configuration_is_one_clear_error(table, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config(table, ".")


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    with pytest.raises(ConfigError, match="broken.toml: invalid TOML"):
        load_config(str(path))


def test_resolved_config_round_trips_through_toml():
    config = load_config(root=str(ROOT))
    data = config.to_dict()
    again = parse_config(tomllib.loads(tomli_w.dumps(data)), str(ROOT))
    assert again.to_dict() == data
