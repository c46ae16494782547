"""Conditions on run outcomes for scenario discovery: ``first_recognition_month <= 36 and
de_jure_count >= 2``, parsed with :mod:`ast` against a whitelist (comparisons, ``and``, ``or``,
``not``, numbers and column names) and evaluated column by column with numpy; nothing is
``eval``-ed, so a condition typed on the command line cannot run code. A comparison with a null (a
month that never came: censored) is false, the reading survival analysis gives "by month 36".
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..config.fields import MAX_NAME
from ..errors import InputError
from ..model import record

RECOGNIZED = "recognized"
"""A derived outcome a condition may name: 1 where some state recognised de jure within the horizon."""

_COMPARE: dict[type, str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
_WORDS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
MAX_EXPR = 1000
"""Longest condition accepted, in characters."""


def parse_condition(expr: str, columns: Sequence[str], where: str | None = None) -> ast.Expression:
    """The condition as a checked syntax tree: only comparisons, ``and``, ``or``, ``not``, numbers
    and the names of ``columns``; anything else is a one-line error saying what is not allowed."""
    flag = "--where"
    if not expr.strip():
        raise InputError(where, flag, "expected a condition on run outcomes, e.g. 'first_recognition_month <= 36'")
    if len(expr) > MAX_EXPR:
        raise InputError(where, flag, f"expected at most {MAX_EXPR} characters, got {len(expr)}")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        hint = " (compare with '==', not '=')" if re.search(r"(?<![<>=!])=(?!=)", expr) else ""
        at = f"at character {exc.offset}" if exc.offset else "at its end"  # Python says 0 for "incomplete"
        raise InputError(where, flag, f"bad syntax in {expr!r} {at}: {exc.msg}{hint}") from None
    except (RecursionError, MemoryError, ValueError):
        raise InputError(where, flag, f"cannot parse {expr!r} (too deeply nested or not text)") from None
    known = set(columns)
    _check_condition(tree.body, known, columns, where)
    return tree


def _check_condition(node: ast.AST, known: set[str], columns: Sequence[str], where: str | None) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check_condition(v, known, columns, where)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_condition(node.operand, known, columns, where)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise InputError(
                    where, "--where", f"{type(op).__name__} is not allowed; compare with <, <=, >, >=, == or !="
                )
        for operand in (node.left, *node.comparators):
            _check_value(operand, known, columns, where)
    elif isinstance(node, ast.Name):
        _check_value(node, known, columns, where)  # a column alone: true where non-zero
    else:
        raise InputError(
            where,
            "--where",
            f"{_what(node)} is not allowed in a condition; write comparisons of outcome columns with numbers, "
            "joined by and, or, not",
        )


def _check_value(node: ast.AST, known: set[str], columns: Sequence[str], where: str | None) -> None:
    if isinstance(node, ast.Name):
        if node.id not in known:
            raise InputError(where, "--where", f"unknown column {node.id!r}; expected one of {', '.join(columns)}")
    elif _number(node) is None:
        raise InputError(
            where, "--where", f"{_what(node)} is not allowed in a comparison; compare outcome columns and numbers"
        )


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        value = float(node.value)
        return value if math.isfinite(value) else None
    return None


def _what(node: ast.AST) -> str:
    names = {
        ast.Call: "a function call",
        ast.Attribute: "an attribute (a.b)",
        ast.Subscript: "indexing (a[b])",
        ast.BinOp: "arithmetic",
        ast.Lambda: "a lambda",
        ast.Constant: "this constant",
    }
    for kind, what in names.items():
        if isinstance(node, kind):
            if kind is ast.Constant:
                return f"the constant {ast.unparse(node)}"
            return what
    return f"{type(node).__name__} ({ast.unparse(node)[:40]})"


def evaluate(expr: str, outcomes: pd.DataFrame, where: str | None = None) -> np.ndarray:
    """True per run where the condition holds; a comparison with a null (censored) is false."""
    tree = parse_condition(expr, list(outcomes.columns), where)
    return _eval(tree.body, outcomes)


def _eval(node: ast.AST, outcomes: pd.DataFrame) -> np.ndarray:
    if isinstance(node, ast.BoolOp):
        parts = [_eval(v, outcomes) for v in node.values]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if isinstance(node.op, ast.And) else (out | p)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~_eval(node.operand, outcomes)
    if isinstance(node, ast.Name):
        v = _values(node, outcomes)
        return ~np.isnan(v) & (v != 0)
    assert isinstance(node, ast.Compare)
    out = np.ones(len(outcomes), dtype=bool)
    left = _values(node.left, outcomes)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _values(right_node, outcomes)
        known = ~np.isnan(left) & ~np.isnan(right)
        with np.errstate(invalid="ignore"):
            holds = {
                "<": np.less,
                "<=": np.less_equal,
                ">": np.greater,
                ">=": np.greater_equal,
                "==": np.equal,
                "!=": np.not_equal,
            }[_COMPARE[type(op)]](left, right)
        out &= known & holds
        left = right
    return out


def _values(node: ast.AST, outcomes: pd.DataFrame) -> np.ndarray:
    if isinstance(node, ast.Name):
        return outcomes[node.id].to_numpy(dtype="float64", na_value=np.nan)
    value = _number(node)
    assert value is not None
    return np.full(len(outcomes), value)


def condition_name(expr: str) -> str:
    """A file-name slug of a condition: ``first_recognition_month <= 36`` -> ``first_recognition_month_le_36``."""
    text = expr
    for op in sorted(_WORDS, key=len, reverse=True):
        text = text.replace(op, f" {_WORDS[op]} ")
    text = re.sub(r"[^A-Za-z0-9.\-]+", "_", text.replace("-", "minus").replace(".", "p")).strip("_")
    return text[:MAX_NAME] or "condition"


def condition_label(expr: str) -> str:
    """The condition with each column's name replaced by its label from the output record."""
    tree = ast.parse(expr.strip(), mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = record.label(node.id) if node.id != RECOGNIZED else "recognised de jure"
    return ast.unparse(tree)
