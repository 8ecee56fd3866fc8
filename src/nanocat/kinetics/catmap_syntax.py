"""Read a CatMAP ``.mkm`` setup file without executing it.

CatMAP loads a ``.mkm`` with ``exec`` (catmap/model.py, ``ReactionModel.load``). nanocat parses it with
:func:`ast.parse` and accepts only what real setup files use (CatMAP's tutorials and tests):

- assignments to a name, ``x = ...``, or to a constant key of an earlier dictionary,
  ``species_definitions['CO_g'] = {...}``, ``species_definitions['s']['total'] = 0.5``;
- values built from literals (numbers, strings, ``None``, ``True``/``False``), lists, tuples and dictionaries,
  unary ``+``/``-``, arithmetic ``+ - * / // % **`` on numbers (``1./3.``), and names assigned earlier;
- comments and string expressions (docstrings).

Anything else (imports, calls, attribute access, loops, ``if``, function definitions, comprehensions, ...)
raises :class:`~nanocat.errors.InputError` naming ``FILE:LINE``, before any value is used.
"""

from __future__ import annotations

import ast
import copy
import operator
from pathlib import Path
from typing import Any

from nanocat.errors import InputError

_NOT_ALLOWED = "not allowed (nanocat reads .mkm files without executing them)"
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_MAX_EXPONENT = 400  # 10**-50 tolerances are common; larger powers only burn CPU


def _kind(node: ast.AST) -> str:
    """Readable name of a syntax element for error messages."""
    names = {ast.Call: "a function call", ast.Attribute: "attribute access", ast.Import: "an import",
             ast.ImportFrom: "an import", ast.FunctionDef: "a function definition", ast.Lambda: "a lambda",
             ast.For: "a loop", ast.While: "a loop", ast.If: "an if statement", ast.With: "a with statement",
             ast.ListComp: "a comprehension", ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator",
             ast.AugAssign: "an augmented assignment", ast.ClassDef: "a class definition"}
    return names.get(type(node), f"'{type(node).__name__}'")


class _Reader:
    """Evaluate the allowed subset of Python, one module-level statement at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.values: dict[str, Any] = {}
        self.lines: dict[str, int] = {}

    def fail(self, node: ast.AST, what: str) -> InputError:
        """InputError naming FILE:LINE."""
        return InputError(f"{self.path}:{getattr(node, 'lineno', '?')}: {what}")

    def value(self, node: ast.expr) -> Any:
        """Value of an allowed expression."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(e) for e in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise self.fail(node, f"dictionary unpacking (**) is {_NOT_ALLOWED}")
            return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            operand = self.value(node.operand)
            self._numbers(node, operand)
            return _UNARY[type(node.op)](operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.value(node.left), self.value(node.right)
            self._numbers(node, left, right)
            if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
                raise self.fail(node, f"exponent {right} too large")
            try:
                return _BINOPS[type(node.op)](left, right)
            except (ZeroDivisionError, OverflowError) as exc:
                raise self.fail(node, f"arithmetic error: {exc}") from None
        if isinstance(node, ast.Name):
            if node.id not in self.values:
                raise self.fail(node, f"name {node.id!r} is not defined earlier in the file")
            return copy.deepcopy(self.values[node.id])
        if isinstance(node, ast.Subscript):
            container, key = self.value(node.value), self.value(node.slice)
            try:
                return copy.deepcopy(container[key])
            except (KeyError, IndexError, TypeError):
                raise self.fail(node, f"no entry {key!r}") from None
        raise self.fail(node, f"{_kind(node)} is {_NOT_ALLOWED}")

    def _numbers(self, node: ast.AST, *operands: Any) -> None:
        """Arithmetic only on numbers (no list repetition, no string building)."""
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in operands):
            raise self.fail(node, f"arithmetic on non-numbers is {_NOT_ALLOWED}")

    def assign(self, target: ast.expr, value: Any, stmt: ast.stmt) -> None:
        """Store ``value`` at a name or at a constant key of an earlier dictionary."""
        if isinstance(target, ast.Name):
            self.values[target.id] = value
            self.lines[target.id] = stmt.lineno
            return
        if isinstance(target, ast.Subscript):
            keys: list[Any] = []
            node: ast.expr = target
            while isinstance(node, ast.Subscript):
                keys.insert(0, self.value(node.slice))
                node = node.value
            if not isinstance(node, ast.Name):
                raise self.fail(stmt, f"assignment to {_kind(node)} is {_NOT_ALLOWED}")
            if node.id not in self.values:
                raise self.fail(stmt, f"name {node.id!r} is not defined earlier in the file")
            container = self.values[node.id]
            for key in keys[:-1]:
                try:
                    container = container[key]
                except (KeyError, IndexError, TypeError):
                    raise self.fail(stmt, f"no entry {key!r} in {node.id!r}") from None
            if not isinstance(container, dict):
                raise self.fail(stmt, f"only dictionary entries can be assigned, not items of {node.id!r}")
            container[keys[-1]] = value
            self.lines[f"{node.id}{''.join(f'[{k!r}]' for k in keys)}"] = stmt.lineno
            return
        raise self.fail(stmt, f"assignment to {_kind(target)} is {_NOT_ALLOWED}")

    def statement(self, stmt: ast.stmt) -> None:
        """Apply one module-level statement."""
        if isinstance(stmt, ast.Assign):
            value = self.value(stmt.value)
            for target in stmt.targets:
                self.assign(target, copy.deepcopy(value) if len(stmt.targets) > 1 else value, stmt)
                if isinstance(target, ast.Name) and isinstance(stmt.value, (ast.List, ast.Tuple)):
                    # one line per list item, so that errors about e.g. rxn_expressions[2] point at it
                    for i, elt in enumerate(stmt.value.elts):
                        self.lines[f"{target.id}[{i}]"] = elt.lineno
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            pass  # docstring or bare string
        elif isinstance(stmt, ast.Expr):
            raise self.fail(stmt, f"{_kind(stmt.value)} is {_NOT_ALLOWED}")
        else:
            raise self.fail(stmt, f"{_kind(stmt)} is {_NOT_ALLOWED}")


def read_assignments(path: str | Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Module-level assignments of a ``.mkm`` file as values, and the line of each (``name`` or ``name['key']``).

    Raises InputError ``FILE:LINE: ...`` for syntax errors and for anything but the literal subset above.
    """
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"CatMAP setup file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read ({exc})") from None
    try:
        tree = ast.parse(source, filename=str(p))
    except SyntaxError as exc:
        raise InputError(f"{p}:{exc.lineno}: not valid .mkm (Python) syntax: {exc.msg}") from None
    reader = _Reader(p)
    for stmt in tree.body:
        reader.statement(stmt)
    return reader.values, reader.lines
