"""Read a YAML study file into plain Python while remembering the line of every value (for error messages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nanocat.errors import DataError

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Located:
    """Plain data (dicts, lists, scalars) plus the 1-based line of each value, keyed by its path."""

    data: Any
    source: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Sequence[str | int]) -> int | None:
        """Line of the value at ``path``, or of its nearest enclosing value that has one."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def error(self, path: Sequence[str | int], message: str) -> DataError:
        """A DataError naming file, line and field."""
        line = self.line(path)
        where = f"{self.source}:{line}" if line is not None else self.source
        field_name = ".".join(str(p) for p in path) or "<document>"
        return DataError(f"{where}: field {field_name}: {message}")


def _construct(loader: yaml.BaseLoader, node: yaml.Node, path: Path_, lines: dict[Path_, int],
               source: str) -> Any:
    """Turn a composed node into plain data, recording the line of each node."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise DataError(f"{source}:{key_node.start_mark.line + 1}: mapping keys must be plain words")
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise DataError(f"{source}:{key_node.start_mark.line + 1}: field {key!r} appears twice")
            out[key] = _construct(loader, value_node, (*path, key), lines, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*path, i), lines, source) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same nodes and marks, faster


def load_yaml_file(path: str | Path, what: str = "file") -> Located:
    """Read and parse a YAML file; unreadable or non-UTF-8 files become DataError naming ``what`` and the path."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file") from None
    return load_yaml(text, str(path))


def load_yaml(text: str, source: str) -> Located:
    """Parse YAML text (one document) with line numbers; syntax errors become DataError with the line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise DataError(f"{source}: the file is empty")
        lines: dict[Path_, int] = {}
        data = _construct(loader, node, (), lines, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise DataError(f"{source}{line}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{source}: YAML error: {exc}") from None
    except RecursionError:
        raise DataError(f"{source}: YAML nested too deeply") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise DataError(f"{source}:1: a study file must be a mapping (id, title, citations, catalysts, ...)")
    return Located(data=data, source=source, lines=lines)
