"""A tiny, safe expression language for lesson checks and claims.

Lessons are data, never code: an expression such as ``substep == "dL/dZ2"``,
``epoch >= 500 and not diverged`` or ``momentum.epochs_to_100 < gd.epochs_to_100``
is parsed with :mod:`ast` and only a whitelist of node types is accepted: names,
one level of attribute access (``run.metric``), numbers, strings, booleans,
comparisons, ``and``/``or``/``not``, ``+ - * /`` and the functions ``abs``,
``min`` and ``max``. Nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class CheckError(ValueError):
    """An expression is malformed or names something unknown; one sentence for the user."""


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {"abs": abs, "min": min, "max": max}
_CONSTANTS: dict[str, float] = {"inf": math.inf}


@dataclass(frozen=True)
class Expression:
    """A parsed, validated expression; ``names`` are the top-level names it reads."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, Any]) -> bool:
        """True or False in ``env``; raises CheckError for a missing name or a bad value."""
        try:
            return bool(_eval(self.tree.body, env))
        except CheckError:
            raise
        except (TypeError, ZeroDivisionError, OverflowError) as exc:
            raise CheckError(f"cannot evaluate {self.text!r}: {exc}") from None


def parse(text: str, allowed: Mapping[str, Any] | None = None) -> Expression:
    """Parse ``text``; with ``allowed``, every top-level name must be one of its keys."""
    if not isinstance(text, str) or not text.strip():
        raise CheckError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise CheckError(f"{text!r} is not a valid expression ({exc.msg})") from None
    names: set[str] = set()
    _validate(tree.body, text, names)
    if allowed is not None:
        unknown = sorted(names - set(allowed))
        if unknown:
            raise CheckError(
                f"{text!r} uses unknown name(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(allowed))}"
            )
    return Expression(text.strip(), tree, frozenset(names))


def _validate(node: ast.AST, text: str, names: set[str]) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _validate(value, text, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
        _validate(node.operand, text, names)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        _validate(node.left, text, names)
        _validate(node.right, text, names)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise CheckError(f"{text!r}: only == != < <= > >= comparisons are allowed")
        _validate(node.left, text, names)
        for comparator in node.comparators:
            _validate(comparator, text, names)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, (bool, int, float, str)):
            raise CheckError(f"{text!r}: only numbers, strings and booleans are allowed")
    elif isinstance(node, ast.Name):
        if node.id not in _CONSTANTS:
            names.add(node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.attr.startswith("_"):
            raise CheckError(f"{text!r}: {node.attr!r} is not a metric")
        names.add(node.value.id)
    elif isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS) or node.keywords:
            raise CheckError(f"{text!r}: the only functions are {', '.join(_FUNCTIONS)}")
        for arg in node.args:
            _validate(arg, text, names)
    else:
        raise CheckError(f"{text!r}: {type(node).__name__} is not allowed in a check")


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_eval(v, env) for v in node.values)
        return any(_eval(v, env) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not value
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp):
        return _ARITH[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, env)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id not in env:
            raise CheckError(f"unknown name {node.id!r}")
        return env[node.id]
    if isinstance(node, ast.Attribute):
        owner = _eval(node.value, env)
        if not isinstance(owner, Mapping) or node.attr not in owner:
            raise CheckError(f"unknown metric {node.value.id}.{node.attr}")  # type: ignore[attr-defined]
        return owner[node.attr]
    if isinstance(node, ast.Call):
        return _FUNCTIONS[node.func.id](*(_eval(a, env) for a in node.args))  # type: ignore[attr-defined]
    raise CheckError(f"{type(node).__name__} is not allowed")  # unreachable after _validate
