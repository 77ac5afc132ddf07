"""A tiny, safe expression language for lesson checks, claims and exercise answers.

Lessons are data, never code: an expression such as ``substep == "dL/dZ2"``,
``epoch >= 500 and not diverged`` or ``momentum.epochs_to_100 < gd.epochs_to_100``
is parsed with :mod:`ast` and only a whitelist of node types is accepted: names,
one level of attribute access (``run.metric``), numbers, strings, booleans,
comparisons, ``and``/``or``/``not``, ``+ - * /`` on numbers and the functions ``abs``,
``min``, ``max`` and ``sigmoid``. An exercise's answer may also choose with
``a if condition else b``. Nothing is ever passed to ``eval``.

A lesson file comes from anyone, so an expression is bounded before anything is computed:
at most :data:`MAX_LENGTH` characters, nested at most :data:`MAX_DEPTH` deep, arithmetic on
numbers only (no ``"a" * 100000``), whole numbers within :data:`MAX_INT`. Parts made of
constants alone are computed once at parse time, so ``100000 ** ...``-style blow-ups are
refused when the lesson loads, not when a learner reaches the step.
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


MAX_LENGTH = 500  # characters in one expression
MAX_DEPTH = 24  # nesting of the parsed expression (a + b is depth 2)
MAX_INT = 2**63  # whole numbers beyond this are refused, whether written or computed

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


def _sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e^(−z)), for an exercise that asks for σ of a number on the tape."""
    z = float(z)
    if z < -700:  # e^(−z) would overflow; σ is 0 to every digit a float has
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "sigmoid": _sigmoid,
}
_CONSTANTS: dict[str, float] = {"inf": math.inf}


@dataclass(frozen=True)
class Expression:
    """A parsed, validated expression; ``names`` are the top-level names it reads."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, Any]) -> bool:
        """True or False in ``env``; raises CheckError for a missing name or a bad value."""
        return bool(self.value(env))

    def value(self, env: Mapping[str, Any]) -> Any:
        """What the expression computes in ``env`` (a number for an exercise's answer)."""
        try:
            return _eval(self.tree.body, env)
        except CheckError:
            raise
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
            raise CheckError(f"cannot evaluate {self.text!r}: {exc}") from None


def parse(
    text: str, allowed: Mapping[str, Any] | None = None, *, choice: bool = False
) -> Expression:
    """Parse ``text``; with ``allowed``, every top-level name must be one of its keys.

    ``choice`` also accepts ``a if condition else b`` (for an exercise's answer).
    """
    if not isinstance(text, str) or not text.strip():
        raise CheckError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise CheckError(f"the expression is {len(text)} characters long; at most {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else "it cannot be parsed"
        raise CheckError(f"{text!r} is not a valid expression ({reason})") from None
    if _depth(tree.body) > MAX_DEPTH:
        raise CheckError(f"{text!r} is nested more than {MAX_DEPTH} deep")
    names: set[str] = set()
    _validate(tree.body, text, names, choice)
    if allowed is not None:
        unknown = sorted(names - set(allowed))
        if unknown:
            raise CheckError(
                f"{text!r} uses unknown name(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(allowed))}"
            )
    _fold_constants(tree.body, text)
    return Expression(text.strip(), tree, frozenset(names))


def _depth(root: ast.AST) -> int:
    """The nesting depth of a tree, counted without recursion (the tree may be deep)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:  # past the limit the answer is already known
            stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def _children(node: ast.AST) -> list[ast.AST]:
    # Operators and contexts (ast.Add, ast.Load) are nodes too, but they do not nest.
    return [
        child
        for child in ast.iter_child_nodes(node)
        if not isinstance(
            child, (ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.expr_context)
        )
    ]


def _validate(node: ast.AST, text: str, names: set[str], choice: bool) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _validate(value, text, names, choice)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
        _validate(node.operand, text, names, choice)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                raise CheckError(f"{text!r}: arithmetic is for numbers, not text")
            _validate(side, text, names, choice)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise CheckError(f"{text!r}: only == != < <= > >= comparisons are allowed")
        _validate(node.left, text, names, choice)
        for comparator in node.comparators:
            _validate(comparator, text, names, choice)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, (bool, int, float, str)):
            raise CheckError(f"{text!r}: only numbers, strings and booleans are allowed")
        if _too_big(node.value):
            raise CheckError(f"{text!r}: the number {node.value} is too large")
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
        if not node.args:
            raise CheckError(f"{text!r}: {node.func.id}() needs a value")
        for arg in node.args:
            _validate(arg, text, names, choice)
    elif isinstance(node, ast.IfExp) and choice:
        for part in (node.test, node.body, node.orelse):
            _validate(part, text, names, choice)
    else:
        raise CheckError(f"{text!r}: {type(node).__name__} is not allowed in a check")


def _fold_constants(node: ast.AST, text: str) -> None:
    """Compute every part that reads no name now, so that a runaway number fails at load."""
    if not any(isinstance(n, ast.Name) and n.id not in _CONSTANTS for n in ast.walk(node)):
        try:
            _eval(node, {})
        except CheckError as exc:
            raise CheckError(f"{text!r}: {exc}") from None
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
            raise CheckError(f"{text!r} cannot be computed: {exc}") from None
        return
    for child in _children(node):
        _fold_constants(child, text)


def _too_big(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT


def _number(value: Any) -> Any:
    if isinstance(value, str):
        raise CheckError("arithmetic is for numbers, not text")
    return value


def _arith(op: ast.operator, left: Any, right: Any) -> Any:
    result = _ARITH[type(op)](_number(left), _number(right))
    if _too_big(result):
        raise CheckError("a number in it grows too large")
    return result


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_eval(v, env) for v in node.values)
        return any(_eval(v, env) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not value
        return -_number(value) if isinstance(node.op, ast.USub) else +_number(value)
    if isinstance(node, ast.BinOp):
        return _arith(node.op, _eval(node.left, env), _eval(node.right, env))
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
    if isinstance(node, ast.IfExp):
        return _eval(node.body, env) if _eval(node.test, env) else _eval(node.orelse, env)
    raise CheckError(f"{type(node).__name__} is not allowed")  # unreachable after _validate
