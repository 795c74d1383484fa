"""Your own steps: a ``str -> str`` function or a small callable class in a pipeline.

:class:`TextStep` wraps a callable that takes one text field and returns its new
value (or a :class:`~corpuskit.steps.base.Drop` to remove the record). It is a
record step like the built-in ones: it has a stable name (the function's or the
class's, or one given), its changes are logged in the record's provenance as a
``rewrite`` edit under that name and counted in the statistics, and it runs on
batches in worker processes. Like every step it must be deterministic and
idempotent (running it twice changes nothing more).

A package makes its steps nameable in configuration files by registering them
under the entry point group ``corpuskit.steps`` (:data:`ENTRY_POINT_GROUP`)::

    [project.entry-points."corpuskit.steps"]
    redact_emails = "mypackage.steps:redact_emails"

An entry point may load a function (no parameters), a class whose instances are
callables (the ``[[pipeline]]`` table's other keys are its keyword arguments), or
a :class:`~corpuskit.steps.base.Step` subclass with that ``name`` (validated by
its own ``Params``). Built-in step names cannot be taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from corpuskit.errors import ConfigError
from corpuskit.records import STRING_FIELDS, Record, edit_between, with_changes
from corpuskit.steps.base import Drop, RecordStep, Step, StepContext

#: The entry point group a package registers its steps under.
ENTRY_POINT_GROUP = "corpuskit.steps"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class TextStep(RecordStep):
    """A record step made of a function of one text field: ``str -> str`` or a ``Drop``.

    >>> from corpuskit.records import new_record
    >>> def shout(text):
    ...     return text.upper()
    >>> step = TextStep(shout)
    >>> record = step.apply(new_record(text="calm down", source={}))
    >>> record["text"], record["steps"], record["edits"][0]["action"]
    ('CALM DOWN', ['shout'], 'rewrite')
    """

    def __init__(self, func: Callable[[str], "str | Drop"], name: str | None = None, field: str = "text"):
        if not callable(func):
            raise ConfigError(f"a custom step must be a function or callable object, not {type(func).__name__}")
        if field not in STRING_FIELDS or field == "id":
            raise ConfigError(f"custom step field {field!r}: expected one of "
                              f"{', '.join(f for f in STRING_FIELDS if f != 'id')}")
        self.func = func
        self.field = field
        self.name = checked_name(name if name is not None else default_name(func))
        self.params = self.Params()

    def config(self) -> dict:
        return {"step": self.name, **({"field": self.field} if self.field != "text" else {})}

    def apply(self, record: Record) -> Record | Drop:
        value = record.get(self.field)
        if not value:
            return record
        result = self.func(value)
        if isinstance(result, Drop):
            return result
        if not isinstance(result, str):
            raise TypeError(f"step {self.name!r} returned {type(result).__name__}; a custom step "
                            "returns the new text (str) or corpuskit.Drop(reason)")
        if result == value:
            return record
        detail = f"{len(value)} -> {len(result)} characters"
        # with its fixes, so replay and explain redo it from the log, without this step's code
        change = edit_between(self.name, self.field, "rewrite", value, result, detail)
        return with_changes(record, self.name, [change], **{self.field: result})

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TextStep) and (self.func, self.name, self.field)
                == (other.func, other.name, other.field))

    def __hash__(self) -> int:
        return hash((self.name, self.field))

    def __repr__(self) -> str:
        return f"TextStep({getattr(self.func, '__qualname__', self.func)!r}, name={self.name!r})"


def default_name(func: Callable) -> str:
    """The stable name of a callable: a function's ``__name__``, else a ``name`` attribute,
    else its class name in snake case (``RedactEmails`` -> ``redact_emails``)."""
    if getattr(func, "__name__", None) == "<lambda>":
        raise ConfigError("a lambda has no stable name: define the function with def, "
                          "or give one with TextStep(func, name='my_step')")
    name = getattr(func, "name", None) or getattr(func, "__name__", None)
    if not isinstance(name, str):
        name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type(func).__name__).lower()
    return name


def checked_name(name: str) -> str:
    """``name`` if it can name a step: lower-case identifier, not a built-in step's name."""
    from corpuskit.steps import STEPS

    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"custom step name {name!r}: expected lower-case letters, digits and '_', "
                          "starting with a letter (it is written in configs, statistics and provenance)")
    if name in STEPS:
        raise ConfigError(f"custom step name {name!r} is a built-in step's name; choose another")
    return name


def as_step(item: Any, name: str | None = None, table: Mapping | None = None,
            context: StepContext | None = None) -> Step:
    """A pipeline step from ``item``: a step, a step class, a callable class or a callable.

    ``table`` holds parameters (from a ``[[pipeline]]`` table) for a class; ``name``,
    when given (an entry point's or a mapping's key), is the name the step must have.
    """
    table = dict(table or {})
    if isinstance(item, type) and issubclass(item, Step):
        step = item.from_config(table, context or StepContext())
    elif isinstance(item, Step):
        if table:
            raise ConfigError(f"pipeline step {name!r}: an instance takes no parameters ({', '.join(table)})")
        step = item
    elif isinstance(item, type):
        try:
            instance = item(**table)
        except TypeError as exc:
            raise ConfigError(f"pipeline step {name or item.__name__!r}: {exc}") from None
        return TextStep(instance, name=name if name is not None else default_name(instance))
    elif callable(item):
        if table:
            raise ConfigError(f"pipeline step {name!r}: a function takes no parameters "
                              f"(got {', '.join(sorted(table))})")
        return TextStep(item, name=name)
    else:
        raise ConfigError(f"a pipeline step must be a step, a function or a callable class, "
                          f"not {type(item).__name__}")
    if name is not None and step.name != name:
        raise ConfigError(f"pipeline step {name!r} is registered for a step named {step.name!r}; "
                          "the names must be the same")
    return step


def registered() -> dict[str, Any]:
    """The steps packages register under :data:`ENTRY_POINT_GROUP`: name -> entry point.

    One name registered by two packages is refused rather than picked at random.
    """
    from importlib.metadata import entry_points

    found: dict[str, Any] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        other = found.get(point.name)
        if other is not None and other.value != point.value:
            raise ConfigError(f"pipeline step {point.name!r} is registered twice under "
                              f"{ENTRY_POINT_GROUP!r} ({other.value} and {point.value}); "
                              "uninstall one of the packages")
        found[point.name] = point
    return found


def load_registered(point: Any) -> Any:
    """What an entry point names; a failure to import it is a ConfigError naming it."""
    try:
        return point.load()
    except Exception as exc:  # noqa: BLE001 - any import failure of a plugin is reported as one line
        raise ConfigError(f"pipeline step {point.name!r}: cannot load {point.value} "
                          f"(entry point group {ENTRY_POINT_GROUP!r}): {type(exc).__name__}: {exc}") from None
