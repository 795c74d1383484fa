"""A YAML loader that refuses what PyYAML silently accepts: duplicate mapping keys.

PyYAML's ``safe_load`` keeps the *last* value of a repeated key, so a card with
two ``license:`` lines or two ``configs:`` blocks loads without complaint while
the Hub and ``datasets`` may read another value than the author meant.
"""

from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError


class StrictSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that raises on a duplicate key in any mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # the base class reports unhashable keys
                if key in seen:
                    raise ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key!r} (first at line {seen[key].line + 1})",
                        key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def strict_load(text: str):
    """Parse YAML ``text`` safely, rejecting duplicate keys.

    >>> strict_load("a: 1\\nb: 2")
    {'a': 1, 'b': 2}
    >>> try:
    ...     strict_load("a: 1\\na: 2")
    ... except yaml.YAMLError as exc:
    ...     print(exc.problem)
    found duplicate key 'a' (first at line 1)
    """
    return yaml.load(text, Loader=StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
