"""Read lesson files: Markdown with a TOML front matter between ``+++`` lines.

The format
==========
A lesson is one ``lessons/NAME.md`` file; NAME (the file stem) is what the learner types in
``backprop-lab lesson NAME``. Lessons are data: nothing in them is ever executed.

    +++
    title = "No activation: a stack of linear layers is one linear map"
    summary = "One line for the lesson browser."
    order = 8                     # position in the list

    [config]                      # RunConfig fields the lesson starts from (mlp.RunConfig)
    dataset = "xor"
    activations = ["none", "none", "none"]
    lr = 5e-6

    [[claims]]                    # a statement the tests check headless over seeds 0..4
    text = "With no activation, XOR accuracy stays below 0.8."
    config = { lr = 5e-6 }        # changes from [config] (optional)
    epochs = 10000                # default: the config's epochs
    expect = "accuracy < 0.8"     # over the run's final metrics

    [[claims]]                    # comparing runs: name them, then name.metric
    text = "Momentum reaches 100% in fewer epochs than plain gradient descent."
    runs = { gd = {}, momentum = { optimizer = "momentum" } }
    expect = "momentum.epochs_to_100 < gd.epochs_to_100"
    min_seeds = 3                 # optional: must hold on at least 3 seeds (default: all)
    +++
    Introductory prose (optional).

    ## First step title
    ```toml
    action = "Press n until the backward pass reaches ∂L/∂Z2."
    check = 'substep == "dL/dZ2"'
    config = { lr = 0.5 }         # applied when the step opens
    ```
    Prose of the step, in Markdown.

Steps are split on ``## `` headings. The optional fenced ``toml`` block must come right
after the heading (blank lines allowed); every key in it is optional. A step's ``config``
changes add up: step k opens with the lesson's config plus the changes of steps 1..k, and
whenever that differs from what the learner has, the network starts again from fresh
weights (the same seed), as the claims do.

Expressions (``check`` and ``expect``) use the safe language of :mod:`lessons.checks`.
A step's check reads the live trainer (:data:`lessons.model.STEP_NAMES`); a claim's expect
reads a finished run (:data:`lessons.model.METRIC_NAMES`).

A malformed file raises :class:`LessonError` naming the file, the line and the problem;
:func:`load_all` collects those errors and still loads every other lesson.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp import ConfigError, RunConfig

from .checks import CheckError, Expression, parse
from .model import METRIC_NAMES, STEP_NAMES, Claim, Lesson, Step

LESSON_DIR = Path(__file__).resolve().parent
FENCE = "+++"
_CONFIG_KEYS = set(RunConfig().to_dict())
_TOP_KEYS = {"title", "summary", "order", "config", "claims"}
_CLAIM_KEYS = {"text", "config", "runs", "epochs", "seeds", "expect", "min_seeds"}
_STEP_KEYS = {"action", "check", "config"}


class LessonError(ValueError):
    """A lesson file is malformed: ``str()`` is "FILE:LINE: problem"."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path, self.line, self.problem = Path(path), line, problem
        super().__init__(f"{self.path.name}:{line}: {problem}")


@dataclass
class _Source:
    """The file's lines, to find where a key was written (tomllib keeps no positions)."""

    path: Path
    lines: list[str]

    def error(self, line: int, problem: str) -> LessonError:
        return LessonError(self.path, line, problem)

    def find(self, pattern: str, start: int = 1, stop: int | None = None) -> int:
        """1-based line of the first match of ``pattern`` in [start, stop), else ``start``."""
        regex = re.compile(pattern)
        end = len(self.lines) if stop is None else stop - 1
        for number in range(start, end + 1):
            if regex.search(self.lines[number - 1]):
                return number
        return start

    def key_line(self, key: str, start: int = 1, stop: int | None = None) -> int:
        return self.find(rf"^\s*{re.escape(key)}\s*=|[{{,]\s*{re.escape(key)}\s*=", start, stop)


def lesson_paths(directory: Path = LESSON_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.md"))


def load_all(directory: Path = LESSON_DIR) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson that loads, in order, and the errors of those that don't."""
    lessons, errors = [], []
    for path in lesson_paths(directory):
        try:
            lessons.append(load(path))
        except LessonError as exc:
            errors.append(exc)
    lessons.sort(key=lambda lesson: (lesson.order, lesson.name))
    return lessons, errors


def find(name: str, directory: Path = LESSON_DIR) -> Lesson:
    """A lesson by file stem or order number; LessonError if it is missing or malformed."""
    path = Path(directory) / f"{name}.md"
    if path.is_file():
        return load(path)
    lessons, _ = load_all(directory)
    for lesson in lessons:
        if str(lesson.order) == name.strip():
            return lesson
    known = ", ".join(lesson.name for lesson in lessons) or "none"
    raise LessonError(path, 0, f"there is no lesson {name!r}; known lessons: {known}")


def load(path: Path) -> Lesson:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(path, 0, f"cannot read the file ({exc})") from None
    return parse_lesson(text, path)


def parse_lesson(text: str, path: Path) -> Lesson:
    src = _Source(Path(path), text.splitlines())
    front, body_start = _split_front_matter(src)
    data = _parse_toml(src, "\n".join(src.lines[1 : body_start - 2]), 2)
    for key in data:
        if key not in _TOP_KEYS:
            raise src.error(src.key_line(key, 2, body_start), f"unknown front matter key {key!r}")
    title = _required(src, data, "title", str, body_start)
    summary = _required(src, data, "summary", str, body_start)
    order = _required(src, data, "order", int, body_start)
    config_line = src.find(r"^\s*\[config\]", 2, body_start)
    config = _config(src, _typed(src, data, "config", dict, {}, body_start), config_line, None)
    claims = _claims(src, data.get("claims", []), config, body_start)
    intro, steps = _steps(src, body_start, config)
    if not steps:
        raise src.error(body_start, "the lesson has no steps (start each with a '## ' heading)")
    del front
    return Lesson(src.path.stem, src.path, title, summary, order, config, intro, steps, claims)


def _split_front_matter(src: _Source) -> tuple[str, int]:
    if not src.lines or src.lines[0].strip() != FENCE:
        raise src.error(1, f"the file must start with a '{FENCE}' line opening the front matter")
    for number, line in enumerate(src.lines[1:], start=2):
        if line.strip() == FENCE:
            return "\n".join(src.lines[1 : number - 1]), number + 1
    raise src.error(1, f"the front matter opened on line 1 is never closed by a '{FENCE}' line")


def _parse_toml(src: _Source, text: str, first_line: int) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = first_line + int(match.group(1)) - 1 if match else first_line
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "bad TOML"
        raise src.error(line, f"invalid TOML: {problem}") from None


def _typed(src: _Source, data: dict, key: str, kind: type, default: Any, stop: int) -> Any:
    if key not in data:
        return default
    value = data[key]
    # bool is an int in Python, but `order = true` is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise src.error(
            src.key_line(key, 1, stop), f"{key!r} must be {_kind_name(kind)}, got {value!r}"
        )
    return value


def _required(src: _Source, data: dict, key: str, kind: type, stop: int) -> Any:
    if key not in data:
        raise src.error(1, f"the front matter has no {key!r}")
    return _typed(src, data, key, kind, None, stop)


def _kind_name(kind: type) -> str:
    return {str: "a string", int: "an integer", dict: "a table", list: "a list"}.get(
        kind, kind.__name__
    )


def _config(
    src: _Source, changes: dict, line: int, base: RunConfig | None, what: str = "config"
) -> RunConfig:
    for key in changes:
        if key not in _CONFIG_KEYS:
            raise src.error(
                src.key_line(key, line),
                f"unknown {what} key {key!r}; known: {', '.join(sorted(_CONFIG_KEYS))}",
            )
    start = base or RunConfig()
    try:
        return RunConfig.from_dict(start.to_dict() | changes).validated()
    except (ConfigError, TypeError, ValueError) as exc:
        raise src.error(_culprit_line(src, start, changes, line), f"bad {what}: {exc}") from None


def _culprit_line(src: _Source, base: RunConfig, changes: dict, line: int) -> int:
    """The line of the first setting that is bad on its own, else the table's line."""
    for key, value in changes.items():
        try:
            RunConfig.from_dict(base.to_dict() | {key: value}).validated()
        except (ConfigError, TypeError, ValueError):
            return src.key_line(key, line)
    return line


def _expression(src: _Source, text: Any, allowed: dict, line: int, what: str) -> Expression:
    if not isinstance(text, str):
        raise src.error(line, f"{what} must be a string expression, got {text!r}")
    try:
        return parse(text, allowed)
    except CheckError as exc:
        raise src.error(line, f"bad {what}: {exc}") from None


def _claims(src: _Source, raw: Any, config: RunConfig, stop: int) -> tuple[Claim, ...]:
    if not isinstance(raw, list):
        raise src.error(src.key_line("claims", 1, stop), "'claims' must be [[claims]] tables")
    claims = []
    search_from = 1
    for index, item in enumerate(raw, start=1):
        line = src.find(r"^\s*\[\[claims\]\]", search_from, stop)
        search_from = line + 1
        end = next(
            (n for n in range(search_from, stop) if src.lines[n - 1].lstrip().startswith("[")),
            stop,
        )
        if not isinstance(item, dict):
            raise src.error(line, f"claim {index} must be a table")
        for key in item:
            if key not in _CLAIM_KEYS:
                raise src.error(src.key_line(key, line, end), f"claim {index}: unknown key {key!r}")
        text = _typed(src, item, "text", str, "", end)
        if not text:
            raise src.error(line, f"claim {index} has no 'text'")
        if "runs" in item and "config" in item:
            raise src.error(line, f"claim {index}: give either 'config' or 'runs', not both")
        runs_raw = _typed(src, item, "runs", dict, None, end)
        if runs_raw is None:
            runs_raw = {"": _typed(src, item, "config", dict, {}, end)}
        elif not runs_raw:
            raise src.error(line, f"claim {index}: 'runs' names no run")
        runs: dict[str, dict] = {}
        for run_name, changes in runs_raw.items():
            if not isinstance(changes, dict):
                raise src.error(
                    src.key_line(run_name, line, end) if run_name else line,
                    f"claim {index}: run {run_name or 'config'!r} must be a table of settings",
                )
            where = src.key_line("runs" if run_name else "config", line, end)
            _config(src, changes, where, config, f"claim {index} config")
            runs[run_name] = dict(changes)
        epochs = _typed(src, item, "epochs", int, config.epochs, end)
        if epochs < 0:
            raise src.error(src.key_line("epochs", line, end), f"claim {index}: epochs < 0")
        seeds = _typed(src, item, "seeds", list, [0, 1, 2, 3, 4], end)
        if not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds):
            raise src.error(
                src.key_line("seeds", line, end), f"claim {index}: seeds must be integers >= 0"
            )
        min_seeds = _typed(src, item, "min_seeds", int, None, end)
        if min_seeds is not None and not 1 <= min_seeds <= len(seeds):
            raise src.error(
                src.key_line("min_seeds", line, end),
                f"claim {index}: min_seeds must be between 1 and {len(seeds)}",
            )
        allowed = METRIC_NAMES if "" in runs else dict.fromkeys(runs)
        expect_line = src.key_line("expect", line, end)
        if "expect" not in item:
            raise src.error(line, f"claim {index} has no 'expect'")
        expect = _expression(src, item["expect"], allowed, expect_line, f"claim {index} expect")
        if "" not in runs:
            _check_metrics(src, expect, expect_line, index)
        claims.append(Claim(text, line, runs, expect, epochs, tuple(seeds), min_seeds))
    return tuple(claims)


def _check_metrics(src: _Source, expect: Expression, line: int, index: int) -> None:
    """With named runs every name must be followed by a metric: gd.epochs_to_100."""
    owners = set()
    for node in ast.walk(expect.tree):
        if isinstance(node, ast.Attribute):
            owners.add(id(node.value))
            if node.attr not in METRIC_NAMES:
                raise src.error(
                    line,
                    f"claim {index} expect: unknown metric {node.attr!r}; "
                    f"known: {', '.join(METRIC_NAMES)}",
                )
    for node in ast.walk(expect.tree):
        if isinstance(node, ast.Name) and node.id in expect.names and id(node) not in owners:
            raise src.error(
                line, f"claim {index} expect: write {node.id}.METRIC, e.g. {node.id}.accuracy"
            )


def _steps(src: _Source, body_start: int, config: RunConfig) -> tuple[str, tuple[Step, ...]]:
    headings = [
        n
        for n in range(body_start, len(src.lines) + 1)
        if src.lines[n - 1].startswith("## ") and not _inside_fence(src, body_start, n)
    ]
    first = headings[0] if headings else len(src.lines) + 1
    intro = "\n".join(src.lines[body_start - 1 : first - 1]).strip()
    steps = []
    for i, heading in enumerate(headings):
        end = headings[i + 1] if i + 1 < len(headings) else len(src.lines) + 1
        steps.append(_step(src, heading, end, config))
    return intro, tuple(steps)


def _inside_fence(src: _Source, start: int, line: int) -> bool:
    fences = sum(1 for n in range(start, line) if src.lines[n - 1].startswith("```"))
    return fences % 2 == 1


def _step(src: _Source, heading: int, end: int, config: RunConfig) -> Step:
    title = src.lines[heading - 1][3:].strip()
    if not title:
        raise src.error(heading, "a step heading needs a title after '## '")
    n = heading + 1
    while n < end and not src.lines[n - 1].strip():
        n += 1
    meta: dict[str, Any] = {}
    body_from = heading + 1
    if n < end and src.lines[n - 1].strip() == "```toml":
        close = next((m for m in range(n + 1, end) if src.lines[m - 1].strip() == "```"), None)
        if close is None:
            raise src.error(n, f"the ```toml block of step {title!r} is never closed")
        meta = _parse_toml(src, "\n".join(src.lines[n : close - 1]), n + 1)
        for key in meta:
            if key not in _STEP_KEYS:
                raise src.error(
                    src.key_line(key, n, close),
                    f"step {title!r}: unknown key {key!r}; known: {', '.join(sorted(_STEP_KEYS))}",
                )
        body_from = close + 1
    action = _typed(src, meta, "action", str, "", end)
    check = None
    if "check" in meta:
        line = src.key_line("check", n, end)
        check = _expression(src, meta["check"], STEP_NAMES, line, f"check of step {title!r}")
    changes = _typed(src, meta, "config", dict, {}, end)
    if changes:
        _config(src, changes, src.key_line("config", n, end), config, f"config of step {title!r}")
    body = "\n".join(src.lines[body_from - 1 : end - 1]).strip()
    return Step(title, body, heading, action, check, dict(changes))
