"""Dataset configuration: what to build, from which inputs, with which pipeline.

Configuration is data. It lives in ``corpuskit.toml`` at the project root, in
``[tool.corpuskit]`` of ``pyproject.toml``, or in any standalone TOML file given
with ``--config``; the keys are the same everywhere::

    name = "my-news"            # required (in --config files: default, the file's stem)
    version = "1.0.0"           # required, x.y.z (in --config files: default 1.0.0)
    pretty_name = "My news"     # default: name
    license = "other"
    language = ["en"]           # languages declared on the card
    task_categories = ["text-generation"]
    inputs = ["seeds"]          # files, folders or globs (CLI inputs override)
    on_error = "raise"          # or "skip": report and skip unparseable chunks

    [[pipeline]]                # ordered steps; default: the full default pipeline
    step = "fix_encoding"
    ...

    [variants]                  # spelling-variant lexicon
    "Nagorno" = ["Nargono", "Nagorny"]

    [check]                     # thresholds for `corpuskit check`
    min_chars = 200

The resolved configuration (every default filled in) is saved with each
published dataset, so a build can be repeated exactly.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from corpuskit.errors import ConfigError
from corpuskit.steps import DEFAULT_PIPELINE, Step, StepContext, build_step
from corpuskit.steps.variants import validate_lexicon

CONFIG_FILE = "corpuskit.toml"
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_HUB_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")

_KNOWN_KEYS = {
    "name", "version", "pretty_name", "license", "language", "task_categories",
    "description", "inputs", "on_error", "pipeline", "variants", "check", "shard_bytes", "rai", "hub_repo",
}

DEFAULT_CHECK = {
    "min_chars": 40,
    "near_duplicate_threshold": 0.8,
}


@dataclass
class Config:
    """A validated dataset configuration."""

    name: str
    version: str
    root: str  # directory that input paths and cited source paths are relative to
    pretty_name: str = ""
    license: str = "other"
    language: list[str] = field(default_factory=lambda: ["en"])
    task_categories: list[str] = field(default_factory=lambda: ["text-generation"])
    description: str = ""
    inputs: list[str] = field(default_factory=list)
    on_error: str = "raise"
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pipeline: list[Step] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_CHECK))
    shard_bytes: int = 256 * 1024 * 1024
    source_file: str | None = None
    rai: dict[str, Any] = field(default_factory=dict)  # Croissant RAI texts (publish/croissant.py)
    hub_repo: str | None = None  # Hub dataset repository the card tells users to load from

    @property
    def allowed_languages(self) -> list[str]:
        for step in self.pipeline:
            if step.name == "detect_language":
                return list(step.params.languages)
        return []

    def to_dict(self) -> dict:
        """The resolved configuration as plain data (TOML/JSON round-trip)."""
        return {
            "name": self.name,
            "version": self.version,
            "pretty_name": self.pretty_name,
            "license": self.license,
            "language": list(self.language),
            "task_categories": list(self.task_categories),
            "description": self.description,
            "inputs": list(self.inputs),
            "on_error": self.on_error,
            "shard_bytes": self.shard_bytes,
            "pipeline": [step.config() for step in self.pipeline],
            # sorted, so the manifest (written with sorted keys) holds the same configuration
            "variants": {k: list(self.variants[k]) for k in sorted(self.variants)},
            "check": {k: self.check[k] for k in sorted(self.check)},
            # only when set, so configurations from before [rai] existed resolve as they did
            **({"rai": {k: self.rai[k] for k in sorted(self.rai)}} if self.rai else {}),
            **({"hub_repo": self.hub_repo} if self.hub_repo else {}),
        }


def parse_config(data: dict, root: str, source_file: str | None = None,
                 defaults: dict | None = None) -> Config:
    """Validate a configuration table and build its steps.

    ``defaults`` may supply ``name`` and ``version`` when the table has none
    (a standalone ``--config`` file may hold only a ``[variants]`` lexicon).
    """
    defaults = defaults or {}
    where = f" in {source_file}" if source_file else ""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown configuration key {unknown[0]!r}{where} (known: {', '.join(sorted(_KNOWN_KEYS))})"
        )
    for key in ("name", "version"):
        if key not in data and defaults.get(key) is None:
            raise ConfigError(f"missing required key {key!r}{where}")
    name = data.get("name", defaults.get("name"))
    version = data.get("version", defaults.get("version"))
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(f"name {name!r}{where} must be letters, digits, '.', '_' or '-'")
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        raise ConfigError(f"version {version!r}{where} must be MAJOR.MINOR.PATCH, e.g. '1.0.0'")
    on_error = data.get("on_error", "raise")
    if on_error not in ("raise", "skip"):
        raise ConfigError(f"on_error{where} must be 'raise' or 'skip', not {on_error!r}")
    for key in ("language", "task_categories", "inputs"):
        value = data.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{key}{where} must be a list of strings")
    variants = validate_lexicon(data.get("variants", {}))
    check = dict(DEFAULT_CHECK)
    user_check = data.get("check", {})
    if not isinstance(user_check, dict):
        raise ConfigError(f"[check]{where} must be a table")
    check.update(user_check)
    languages = tuple(data.get("language", ["en"]))
    context = StepContext(variants=variants, languages=())
    tables = data.get("pipeline")
    if tables is None:
        tables = [{"step": name} for name in DEFAULT_PIPELINE]
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"pipeline{where} must be a list of [[pipeline]] tables")
    steps = [build_step(table, context) for table in tables]
    names = [s.name for s in steps]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(f"pipeline step {duplicated[0]!r} appears twice{where}")
    corpus_steps = [s for s in steps if s.kind == "corpus"]
    if corpus_steps and steps[-1].kind != "corpus":
        raise ConfigError(f"the {corpus_steps[0].name!r} step must come last in the pipeline{where}")
    shard_bytes = data.get("shard_bytes", 256 * 1024 * 1024)
    if not isinstance(shard_bytes, int) or shard_bytes < 1024 * 1024:
        raise ConfigError(f"shard_bytes{where} must be an integer of at least 1048576")
    from corpuskit.publish.croissant import validate_rai

    rai = validate_rai(data.get("rai", {}), where)
    hub_repo = data.get("hub_repo")
    if hub_repo is not None and (not isinstance(hub_repo, str) or not _HUB_REPO_RE.match(hub_repo)):
        raise ConfigError(f"hub_repo{where} must be a Hub repository id like 'my-org/my-news', not {hub_repo!r}")
    return Config(
        rai=rai,
        hub_repo=hub_repo,
        name=name,
        version=version,
        root=os.path.abspath(root),
        pretty_name=data.get("pretty_name", name),
        license=data.get("license", "other"),
        language=list(languages),
        task_categories=list(data.get("task_categories", ["text-generation"])),
        description=data.get("description", ""),
        inputs=list(data.get("inputs", [])),
        on_error=on_error,
        variants=variants,
        pipeline=steps,
        check=check,
        shard_bytes=shard_bytes,
        source_file=source_file,
    )


def _read_toml(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def load_config(path: str | None = None, root: str | None = None) -> Config:
    """Load a configuration.

    With ``path``, read that standalone TOML file (inputs are relative to the
    current directory, or ``root``); its ``name`` defaults to the file's stem and
    its ``version`` to ``1.0.0``. Without it, look in the current directory
    for ``corpuskit.toml``, then for ``[tool.corpuskit]`` in ``pyproject.toml``.
    """
    if path is not None:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.splitext(os.path.basename(path))[0]).strip("-.")
        defaults = {"name": stem or "dataset", "version": "1.0.0"}
        return parse_config(_read_toml(path), root or os.getcwd(), source_file=path, defaults=defaults)
    base = root or os.getcwd()
    candidate = os.path.join(base, CONFIG_FILE)
    if os.path.exists(candidate):
        return parse_config(_read_toml(candidate), base, source_file=CONFIG_FILE)
    pyproject = os.path.join(base, "pyproject.toml")
    if os.path.exists(pyproject):
        table = _read_toml(pyproject).get("tool", {}).get("corpuskit")
        if table is not None:
            return parse_config(table, base, source_file="pyproject.toml [tool.corpuskit]")
    raise ConfigError(
        f"no {CONFIG_FILE} or [tool.corpuskit] in pyproject.toml in {base}; "
        "run from the project root or pass --config FILE"
    )
