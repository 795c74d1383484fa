"""Dataset configuration: what to build, from which inputs, with which pipeline.

Configuration is data. It lives in ``corpuskit.toml`` at the project root, in
``[tool.corpuskit]`` of ``pyproject.toml``, or in any standalone TOML file given
with ``--config``; the keys are the same everywhere::

    name = "my-news"            # required (in --config files: default, the file's stem)
    version = "1.0.0"           # required, x.y.z (in --config files: default 1.0.0)
    pretty_name = "My news"     # default: name
    license = "cc-by-4.0"       # a Hub licence id (default "unknown"); with "other", also:
    license_name = "my-terms"   #   the custom licence's id
    license_link = "LICENSE.md" #   its terms: a URL, or a file (beside this one) the build ships
    language = ["en"]           # languages declared on the card
    task_categories = ["text-generation"]
    inputs = ["seeds"]          # files, folders or globs (CLI inputs override)
    encoding = "auto"           # inputs' encoding: "auto" (UTF-8, BOM or a safe detection)
                                # or a codec name, e.g. "cp1251" (--encoding overrides)
    on_error = "raise"          # or "skip": report and skip unparseable chunks
    engine = "local"            # or "ray" (corpuskit[ray]; --engine overrides): where the
                                # build runs, not what it makes, so never saved with a version
    engine_address = "auto"     # with "ray": a running cluster (default: start a local one)

    [encodings]                 # per input: file, folder or glob -> codec (or "auto")
    "legacy/ru" = "cp1251"

    [[pipeline]]                # ordered steps; default: the full default pipeline
    step = "fix_encoding"
    ...

    [variants]                  # spelling-variant lexicon
    "Nagorno" = ["Nargono", "Nagorny"]

    [check]                     # thresholds for `corpuskit check` (the build's gate too)
    min_chars = 200
    skip = ["records.min_chars"]  # relax the gate: recorded in the manifest and on the card
    allow_empty = false           # true: an empty dataset may be published

    [fields]                    # record field = input column/key (default: same name)
    text = "content"

    [digest]
    date_order = "dmy"          # or "mdy": reads 03/04/2020; default: such dates are refused

The resolved configuration (every default filled in) is saved with each
published dataset, so a build can be repeated exactly.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from corpuskit.errors import ConfigError, describe_value
from corpuskit.readers.options import ReadOptions, read_options
from corpuskit.steps import DEFAULT_PIPELINE, Step, StepContext, build_step
from corpuskit.steps.variants import validate_lexicon

CONFIG_FILE = "corpuskit.toml"
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_HUB_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")

_LICENSE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_KNOWN_KEYS = {
    "name", "version", "pretty_name", "license", "license_name", "license_link", "language",
    "task_categories", "description", "inputs", "on_error", "pipeline", "variants", "check",
    "shard_bytes", "encoding", "encodings",
    "fields", "digest",  # how inputs are read: corpuskit.readers.options
    "rai", "hub_repo",  # Croissant RAI texts, Hub repository (corpuskit.publish)
    "engine", "engine_address",  # where the build runs (corpuskit.engine; never published)
}
#: Not a guess at the terms: the Hub's id for "the licence is not known".
DEFAULT_LICENSE = "unknown"
#: Files the build writes into a version folder (a shipped licence file may not take their names).
_RESERVED_FILES = {"README.md", "manifest.json", "corpuskit.toml"}

DEFAULT_CHECK = {
    "min_chars": 40,
    "near_duplicate_threshold": 0.8,
}
#: ``[check]`` keys that relax the gate the build runs before publishing (validated by
#: ``corpuskit._check.gate.gate_settings``; unset by default, so they never appear in a
#: resolved configuration unless the user set them): ``skip = ["records.min_chars"]``
#: names checks or families not run, ``allow_empty = true`` allows a version without records.
GATE_RELAXATIONS = ("skip", "allow_empty")


@dataclass
class Config:
    """A validated dataset configuration."""

    name: str
    version: str
    root: str  # directory that input paths and cited source paths are relative to
    pretty_name: str = ""
    license: str = DEFAULT_LICENSE
    license_name: str | None = None  # with license = "other": the custom licence's id ...
    license_link: str | None = None  # ... and its terms: a URL, or a file shipped with the data
    license_file: str | None = None  # that file's absolute path (not recorded: the link is)
    language: list[str] = field(default_factory=lambda: ["en"])
    task_categories: list[str] = field(default_factory=lambda: ["text-generation"])
    description: str = ""
    inputs: list[str] = field(default_factory=list)
    encoding: str = "auto"  # every input's declared encoding, or "auto"
    encodings: dict[str, str] = field(default_factory=dict)  # per input path, folder or glob
    on_error: str = "raise"
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pipeline: list[Step] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_CHECK))
    shard_bytes: int = 256 * 1024 * 1024
    source_file: str | None = None
    read_options: ReadOptions = field(default_factory=ReadOptions)
    rai: dict[str, Any] = field(default_factory=dict)  # Croissant RAI texts (publish/croissant.py)
    hub_repo: str | None = None  # Hub dataset repository the card tells users to load from
    # where the build runs (corpuskit.engine): the output is the same on every engine, so
    # these are not in to_dict() and never reach a published version
    engine: str = "local"
    engine_address: str | None = None

    @property
    def allowed_languages(self) -> list[str]:
        for step in self.pipeline:
            if step.name == "detect_language":
                return list(step.params.languages)
        return []

    def encoding_plan(self):
        """Which encoding this configuration declares for which input (an
        :class:`~corpuskit.readers.decoding.EncodingPlan`)."""
        from corpuskit.readers.decoding import EncodingPlan

        return EncodingPlan(self.encoding, self.encodings, self.root)

    def to_dict(self) -> dict:
        """The resolved configuration as plain data (TOML/JSON round-trip)."""
        return {
            "name": self.name,
            "version": self.version,
            "pretty_name": self.pretty_name,
            "license": self.license,
            # only with license = "other", so configurations without them keep their bytes
            **({"license_name": self.license_name, "license_link": self.license_link}
               if self.license == "other" else {}),
            "language": list(self.language),
            "task_categories": list(self.task_categories),
            "description": self.description,
            "inputs": list(self.inputs),
            "encoding": self.encoding,
            "encodings": dict(self.encodings),
            "on_error": self.on_error,
            "shard_bytes": self.shard_bytes,
            "pipeline": [step.config() for step in self.pipeline],
            # sorted, so the manifest (written with sorted keys) holds the same configuration
            "variants": {k: list(self.variants[k]) for k in sorted(self.variants)},
            "check": {k: self.check[k] for k in sorted(self.check)},
            **self.read_options.to_dict(),
            # only when set, so configurations from before [rai] existed resolve as they did
            **({"rai": {k: self.rai[k] for k in sorted(self.rai)}} if self.rai else {}),
            **({"hub_repo": self.hub_repo} if self.hub_repo else {}),
        }


def parse_config(data: dict, root: str, source_file: str | None = None,
                 defaults: dict | None = None) -> Config:
    """Validate a configuration table by type and value, and build its steps.

    Every problem is collected and reported at once, one line each naming the
    key, what was expected and what was found (with the likely meant key or
    value for a near miss): a wrong type is refused, never coerced, because a
    string where a list belongs would be read letter by letter.

    ``defaults`` may supply ``name`` and ``version`` when the table has none
    (a standalone ``--config`` file may hold only a ``[variants]`` lexicon).
    """
    problems = _Problems(source_file)
    defaults = defaults or {}
    for key in sorted(set(data) - _KNOWN_KEYS):
        problems.unknown(key, _KNOWN_KEYS, "configuration key")
    for key in ("name", "version"):
        if key not in data and defaults.get(key) is None:
            problems.add(f"missing required key {key!r}")
    name = data.get("name", defaults.get("name"))
    version = data.get("version", defaults.get("version"))
    if name is not None and not (isinstance(name, str) and _NAME_RE.match(name)):
        problems.expected("name", "letters, digits, '.', '_' or '-' (at most 96)", name)
    if version is not None and not (isinstance(version, str) and _VERSION_RE.match(version)):
        problems.expected("version", "MAJOR.MINOR.PATCH, e.g. '1.0.0'", version)
    _string(problems, data, "description")
    pretty_name = _string(problems, data, "pretty_name")
    if pretty_name is not None and (not pretty_name.strip() or "\n" in pretty_name):
        problems.expected("pretty_name", "a non-empty one-line string", pretty_name)
    on_error = data.get("on_error", "raise")
    if on_error not in ("raise", "skip"):
        problems.expected("on_error", "'raise' or 'skip'", on_error)
    _hub_values(problems, data)
    inputs = _string_list(problems, data, "inputs", example='["seeds"]')
    encoding, encodings = problems.collect(_encodings, data, "") or ("auto", {})
    shard_bytes = data.get("shard_bytes", 256 * 1024 * 1024)
    if not _is_int(shard_bytes) or shard_bytes < 1024 * 1024:
        problems.expected("shard_bytes", "an integer of at least 1048576", shard_bytes)
    check = _check_table(problems, data.get("check", {}))
    variants = problems.collect(validate_lexicon, data.get("variants", {})) or {}
    steps = _pipeline(problems, data.get("pipeline"),
                      StepContext(variants=variants, languages=_declared_languages(data)))
    read_options_ = problems.collect(read_options, data, "") or ReadOptions()
    from corpuskit.publish.croissant import validate_rai

    rai = problems.collect(validate_rai, data.get("rai", {}), "") or {}
    hub_repo = data.get("hub_repo")
    if hub_repo is not None and (not isinstance(hub_repo, str) or not _HUB_REPO_RE.match(hub_repo)):
        problems.expected("hub_repo", "a Hub repository id like 'my-org/my-news'", hub_repo)
    engine, engine_address = _engine_keys(problems, data)
    problems.raise_any()
    return Config(
        engine=engine,
        engine_address=engine_address,
        rai=rai,
        hub_repo=hub_repo,
        name=name,
        version=version,
        root=os.path.abspath(root),
        pretty_name=data.get("pretty_name", name),
        license=data.get("license", DEFAULT_LICENSE),
        license_name=data.get("license_name"),
        license_link=data.get("license_link"),
        language=list(data.get("language", ["en"])),
        task_categories=list(data.get("task_categories", ["text-generation"])),
        description=data.get("description", ""),
        inputs=inputs or [],
        encoding=encoding,
        encodings=encodings,
        on_error=on_error,
        variants=variants,
        pipeline=steps,
        check=check,
        shard_bytes=shard_bytes,
        source_file=source_file,
        read_options=read_options_,
    )


def _engine_keys(problems: "_Problems", data: dict) -> tuple[str, str | None]:
    """``engine`` (a name :func:`corpuskit.engine.engine_for` knows) and ``engine_address``."""
    from corpuskit.engine import ENGINES

    engine, address = data.get("engine", "local"), data.get("engine_address")
    if engine not in ENGINES:
        problems.expected("engine", " or ".join(repr(e) for e in ENGINES), engine)
    if address is not None and not (isinstance(address, str) and address.strip()):
        problems.expected("engine_address", "'auto' or 'ray://HOST:PORT'", address)
    elif address is not None and engine != "ray":
        problems.add("engine_address: only used with engine = \"ray\"; remove it or set engine = \"ray\"")
    return (engine if engine in ENGINES else "local"), address


class _Problems:
    """The problems found in one configuration, each one line naming its key."""

    def __init__(self, source_file: str | None):
        self.prefix = f"{source_file}: " if source_file else ""
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(self.prefix + line)

    def expected(self, key: str, expected: str, value: Any, hint: str = "") -> None:
        self.add(f"{key}: expected {expected}, got {describe_value(value)}" + (f"; {hint}" if hint else ""))

    def unknown(self, key: str, known, what: str) -> None:
        close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
        self.add(f"unknown {what} {key!r}; {hint}")

    def collect(self, func, *args):
        """``func(*args)``, with a :class:`ConfigError` it raises recorded instead of raised."""
        try:
            return func(*args)
        except ConfigError as exc:
            for line in exc.problems:
                self.add(line)
            return None

    def raise_any(self) -> None:
        if self.lines:
            raise ConfigError(*self.lines)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _string(problems: _Problems, data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        problems.expected(key, "a string", value)
        return None
    return value


def _string_list(problems: _Problems, data: dict, key: str, example: str) -> list[str] | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        problems.expected(key, "a list of strings", value, f"write {key} = [{value!r}]".replace("'", '"'))
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.expected(key, f"a list of non-empty strings, e.g. {example}", value)
        return None
    return value


def _hub_values(problems: _Problems, data: dict) -> None:
    """``license`` (+ ``license_name``/``license_link``), ``language``, ``task_categories``:
    values the Hub accepts on a dataset card (:mod:`corpuskit._check.hub_enums`)."""
    from corpuskit._check.hub_enums import (LICENSES, TASK_CATEGORIES, close_match, language_problem,
                                           language_suggestion)

    license = data.get("license", DEFAULT_LICENSE)
    if not isinstance(license, str) or license not in LICENSES:
        close = close_match(license, LICENSES)
        problems.expected("license", "a Hub licence id (e.g. 'mit', 'cc-by-4.0', 'unknown', or 'other' "
                          "with license_name and license_link)", license,
                          f"did you mean {close!r}?" if close else "")
    for key in ("license_name", "license_link"):
        if key in data and license != "other":
            problems.add(f"{key}: only used with license = \"other\" (license is {license!r}); remove it")
        elif key not in data and license == "other":
            problems.add(f"{key}: required with license = \"other\" (the Hub card names a custom licence "
                         "with license_name and license_link)")
    if license == "other":
        license_name, link = _string(problems, data, "license_name"), _string(problems, data, "license_link")
        if license_name is not None and not _LICENSE_NAME_RE.match(license_name):
            problems.expected("license_name", "a lower-case id of letters, digits, '-' and '.', "
                              "e.g. 'my-license-1.0'", license_name)
        if link is not None:
            problem = license_link_problem(link)
            if problem:
                problems.expected("license_link", _LINK_EXPECTED, link, problem)
    for code in _string_list(problems, data, "language", example='["en"]') or []:
        if language_problem(code):
            close = language_suggestion(code)
            problems.expected("language", "ISO 639-1/639-3 codes or BCP-47 tags (e.g. 'en', 'en-US')",
                              code, f"did you mean {close!r}?" if close else "")
    for category in _string_list(problems, data, "task_categories", example='["text-generation"]') or []:
        if category not in TASK_CATEGORIES:
            close = close_match(category, TASK_CATEGORIES)
            problems.expected("task_categories", "Hub task categories (e.g. 'text-generation')", category,
                              f"did you mean {close!r}?" if close else "")


def is_url(link: str) -> bool:
    """A ``license_link`` that is a URL (written as is) rather than a project file (shipped)."""
    return re.match(r"^https?://\S+$", link) is not None


_LINK_EXPECTED = "an http(s) URL or a file in the configuration's folder"


def license_link_problem(link: str, folder: str | None = None) -> str | None:
    """Why ``license_link`` cannot be published, or None: a URL, or a file the build ships.

    With ``folder`` (the folder of a configuration file being loaded), a
    relative link must name a file there; a recorded configuration is judged
    on its form only, since the file travels inside the version folder.
    """
    if is_url(link):
        return None
    if not link.strip() or os.path.isabs(link) or ".." in link.replace("\\", "/").split("/"):
        return "a relative path below the configuration's folder, or a URL"
    if os.path.basename(link) in _RESERVED_FILES:
        return f"{os.path.basename(link)} is a file the build writes itself; rename the licence file"
    if folder is not None:
        path = os.path.join(folder, link)
        if os.path.islink(path) or not os.path.isfile(path):
            return f"no such file in {os.path.abspath(folder)} (the build ships it beside the card)"
    return None


def _with_license_file(config: Config, folder: str) -> Config:
    """Resolve a relative ``license_link`` against the folder of the configuration file that
    names it (so ``--config`` works from any directory); the file must exist: the build ships it."""
    if config.license == "other" and config.license_link and not is_url(config.license_link):
        problem = license_link_problem(config.license_link, folder)
        if problem:
            where = f"{config.source_file}: " if config.source_file else ""
            raise ConfigError(f"{where}license_link: expected {_LINK_EXPECTED}, "
                              f"got {describe_value(config.license_link)}; {problem}")
        config.license_file = os.path.abspath(os.path.join(folder, config.license_link))
    return config


#: ``[check]`` keys: (what is expected, test of a value).
CHECK_KEYS: dict[str, tuple[str, Any]] = {
    "min_chars": ("an integer >= 0", lambda v: _is_int(v) and v >= 0),
    "near_duplicate_threshold": ("a number above 0 and at most 1", lambda v: _is_number(v) and 0 < v <= 1),
    # gate relaxations (issue 13, the gate before publishing): explicit, recorded in manifest and card
    "skip": ("a list of check names", lambda v: isinstance(v, list) and all(isinstance(x, str) and x for x in v)),
    "allow_empty": ("true or false", lambda v: isinstance(v, bool)),
}


def _check_table(problems: _Problems, table: Any) -> dict[str, Any]:
    check = dict(DEFAULT_CHECK)
    if not isinstance(table, dict):
        problems.expected("[check]", "a table of thresholds", table)
        return check
    for key, value in table.items():
        if key not in CHECK_KEYS:
            problems.unknown(key, CHECK_KEYS, "[check] key")
            continue
        expected, valid = CHECK_KEYS[key]
        if not valid(value):
            problems.expected(f"[check] {key}", expected, value)
            continue
        check[key] = value
    return check


def _declared_languages(data: dict) -> tuple[str, ...]:
    """The top-level ``language`` codes the user set, as ``detect_language`` labels them (the
    primary subtag: ``en-US`` -> ``en``): what a ``detect_language`` step without its own
    ``languages`` keeps. Unset: () (keep every language); invalid values are reported elsewhere."""
    declared = data.get("language")
    if not isinstance(declared, list) or not all(isinstance(code, str) for code in declared):
        return ()
    return tuple(dict.fromkeys(code.split("-")[0].lower() for code in declared if code))


def _pipeline(problems: _Problems, tables: Any, context: StepContext) -> list[Step]:
    if tables is None:
        tables = [{"step": name} for name in DEFAULT_PIPELINE]
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.expected("pipeline", "[[pipeline]] tables", tables)
        return []
    steps = [problems.collect(build_step, table, context) for table in tables]
    steps = [step for step in steps if step is not None]
    names = [s.name for s in steps]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(f"pipeline step {name!r} appears twice")
    corpus_steps = [s for s in steps if s.kind == "corpus"]
    if corpus_steps and steps[-1].kind != "corpus":
        problems.add(f"the {corpus_steps[0].name!r} step must come last in the pipeline")
    return steps


def declare_encoding(config: Config, name: str, where: str = "--encoding") -> Config:
    """``config`` with every input declared ``name`` (``--encoding``): the per-input
    table no longer applies, and the resolved configuration records the choice."""
    from dataclasses import replace

    from corpuskit.readers.decoding import codec_name

    return replace(config, encoding=codec_name(name, where), encodings={})


def _encodings(data: dict, where: str) -> tuple[str, dict[str, str]]:
    """The validated ``encoding`` and ``[encodings]`` (codec names made canonical)."""
    from corpuskit.readers.decoding import codec_name

    encoding = codec_name(data.get("encoding", "auto"), f"encoding{where}")
    table = data.get("encodings", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[encodings]{where} must be a table of input path = codec name")
    return encoding, {key: codec_name(value, f"encodings.{key!r}{where}") for key, value in table.items()}


def _read_toml(path: str) -> dict:
    """The TOML table of ``path``; anything that is not valid UTF-8 TOML is one line naming it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                          "a configuration file must be UTF-8 TOML") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML (nested too deeply to read)") from None
    except ValueError as exc:  # the parser's bound on integers: more than 4300 digits
        what = "an integer of more than 4300 digits" if "digits" in str(exc) else str(exc)
        raise ConfigError(f"{path}: invalid TOML ({what})") from None


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
        return _with_license_file(parse_config(_read_toml(path), root or os.getcwd(), source_file=path,
                                               defaults=defaults), os.path.dirname(os.path.abspath(path)))
    base = root or os.getcwd()
    candidate = os.path.join(base, CONFIG_FILE)
    if os.path.exists(candidate):
        return _with_license_file(parse_config(_read_toml(candidate), base, source_file=CONFIG_FILE), base)
    pyproject = os.path.join(base, "pyproject.toml")
    if os.path.exists(pyproject):
        tool = _read_toml(pyproject).get("tool", {})
        table = tool.get("corpuskit") if isinstance(tool, dict) else None
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"pyproject.toml: [tool.corpuskit]: expected a table, got {describe_value(table)}")
        if table is not None:
            return _with_license_file(parse_config(table, base, source_file="pyproject.toml [tool.corpuskit]"),
                                      base)
    raise ConfigError(
        f"no {CONFIG_FILE} or [tool.corpuskit] in pyproject.toml in {base}; "
        "run from the project root or pass --config FILE"
    )
