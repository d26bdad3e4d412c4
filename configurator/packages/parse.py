"""Reading the catalog file (YAML or JSON) into plain data, with the line of every key path.

PyYAML's composer gives each node its start mark; walking the node tree maps key paths such as
("steps", 3, "options", 1, "price") to 1-based lines. A JSON file is read by `json` itself and
placed with the same walk (JSON is YAML), where the YAML reader can follow it. Anchors and
aliases are refused: an alias repeats a node without copying it, which is how a few lines of
YAML can stand for billions of nodes.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from django.utils.translation import gettext as _

from .errors import PackageError, PackageInvalid

Path = tuple[str | int, ...]


class _Aliased(Exception):
    pass


def _lines(node: yaml.Node, path: Path, out: dict[Path, int], seen: set[int]) -> None:
    if id(node) in seen or getattr(node, "anchor", None):
        raise _Aliased(node.start_mark.line + 1)
    seen.add(id(node))
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
            out[(*path, name)] = key.start_mark.line + 1
            _lines(value, (*path, name), out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), out, seen)


def _compose(text: str) -> yaml.Node | None:
    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _refuse_aliases(text: str) -> None:
    """Aliases are refused before the data is built (building them is where the cost is)."""
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
            raise _Aliased(token.start_mark.line + 1)


def load_catalog(name: str, body: bytes) -> tuple[Any, dict[Path, int]]:
    """(data, lines by key path); raises PackageInvalid for a file that is not readable."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackageInvalid([PackageError(name, _("The catalog file is not UTF-8 text."))]) from exc
    lines: dict[Path, int] = {}
    try:
        if name.endswith(".json"):
            data = json.loads(text)
            try:
                node = _compose(text)
                if node is not None:
                    _lines(node, (), lines, set())
            except (yaml.YAMLError, _Aliased, RecursionError):
                lines = {}
            return data, lines
        _refuse_aliases(text)
        node = _compose(text)
        if node is not None:
            _lines(node, (), lines, set())
        return yaml.safe_load(text), lines
    except json.JSONDecodeError as exc:
        raise PackageInvalid([PackageError(f"{name}:{exc.lineno}", _("This is not valid JSON: %(error)s") % {
            "error": exc.msg})]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"{name}:{mark.line + 1}" if mark else name
        raise PackageInvalid([PackageError(place, _("This is not valid YAML: %(error)s") % {
            "error": exc.problem or exc.context})]) from exc
    except yaml.YAMLError as exc:
        raise PackageInvalid([PackageError(name, _("This is not valid YAML: %(error)s") % {"error": exc})]) from exc
    except _Aliased as exc:
        raise PackageInvalid([PackageError(f"{name}:{exc.args[0]}", _(
            "Anchors and aliases (& and *) are not supported: write each value out."))]) from exc
    except RecursionError as exc:
        raise PackageInvalid([PackageError(name, _("The catalog file is nested too deeply."))]) from exc
