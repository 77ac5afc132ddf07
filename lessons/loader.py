"""Read lesson files: Markdown with a TOML front matter between ``+++`` lines.

Where lessons come from
=======================
The built-in lessons live beside this module. A teacher's folders come after them, from
the environment variable ``BACKPROP_LAB_LESSONS`` (folders separated by ``os.pathsep``, ``:``
on Linux and macOS) and from ``--dir PATH`` on the command line. A lesson is found by its
name (the file stem) or its ``order`` number in those folders only: a name is letters,
digits, ``-`` and ``_``, never a path. A name that two folders both define is reported as an
error and the first one is kept.

The format
==========
A lesson is one ``NAME.md`` file; NAME is what the learner types in
``backprop-lab lesson NAME``. Lessons are data: nothing in them is ever executed.

    +++
    title = "No activation: a stack of linear layers is one linear map"
    summary = "One line for the lesson browser."
    order = 8                     # position in the list

    [config]                      # RunConfig fields the lesson starts from (mlp.RunConfig)
    dataset = "xor"
    activations = ["none", "none", "none"]
    hidden = [16, 16]             # a list of layer sizes, never "16"
    lr = 5e-6

    [[claims]]                    # a statement checked headless over seeds 0..9
    text = "With no activation XOR accuracy stays at 33.3% on all 10 seeds we test."
    config = { lr = 5e-6 }        # changes from [config] (optional)
    epochs = 10000                # default: the config's epochs
    expect = "abs(accuracy - 7/21) < 1e-9"   # over the run's final metrics

    [[claims]]                    # comparing runs: name them, then name.metric
    text = "Momentum first reaches 100% sooner on at least 8 of the 10 seeds we test."
    runs = { gd = {}, momentum = { optimizer = "momentum" } }
    expect = "momentum.epochs_to_100 < gd.epochs_to_100"
    min_seeds = 8                 # optional: holds on at least 8 seeds (default: all)
    max_seeds = 10                # optional: and on at most 10 (default: no bound)
    seeds = [0, 1, 2]             # optional: other seeds than 0..9
    +++
    Introductory prose (optional).

    ## First step title
    ```toml
    action = "Press n until the backward pass reaches ∂L/∂Z2."
    check = 'substep == "dL/dZ2"'
    config = { lr = 0.5 }         # applied when the step opens

    [exercise]                    # optional: the learner works it out and types a number
    prompt = "What is ∂L/∂y for the selected sample?"
    answer = "sample_dL_dy"       # an expression: its value is the right answer
    tolerance = 0.001             # how far a typed answer may be off, in the answer's units
    hint = "∂L/∂y = 2(y − label): put in the y and the label shown."
    worked = "2 · (y − label) with the sample's own y and label."
    ```
    Prose of the step, in Markdown.

    ## A later step
    ```toml
    check = "accuracy == 1.0"
    compare = 1                   # the app shows step 1's first epoch at 100% beside this one's
    ```

Steps are split on ``## `` headings. The optional fenced ``toml`` block must come right
after the heading (blank lines allowed); every key in it is optional. A step's ``config``
changes add up: step k opens with the lesson's config plus the changes of steps 1..k, and
whenever that differs from what the learner has, the network starts again from fresh
weights (the same seed), as the claims do. ``compare = K`` asks the app to show step K's
first epoch at 100% (the engine's exact figure, from the learner's own run of step K) beside
this step's, for a step that asks to compare the two.

Expressions (``check``, ``expect`` and ``answer``) use the safe language of
:mod:`lessons.checks`. A step's check reads the live trainer (:data:`lessons.model.STEP_NAMES`);
a claim's expect reads a finished run (:data:`lessons.model.METRIC_NAMES`).

A claim's text states how many seeds it holds on, in the words of
:attr:`lessons.model.Claim.count_phrase`: "on all 10 seeds we test", "on at least 7 of the
10 seeds we test", "on at most 3 of the 10 seeds we test", "on 1 of the 10 seeds we test".

Exercises
---------
``[exercise]`` in a step's block asks the learner for a number before the app shows it.
``prompt``, ``answer``, ``tolerance``, ``hint`` and ``worked`` are required. ``answer`` reads
the live trainer: the names of ``STEP_NAMES`` and the selected sample's numbers
(:data:`lessons.model.SAMPLE_NAMES`: ``sample_y``, ``sample_dL_dy`` ...); ``sample = 1``
fixes the sample instead of reading the one the learner selected. With ``epochs``, ``config``
or ``runs`` the answer is read from finished runs instead, like a claim's expect
(``METRIC_NAMES``, or ``name.metric`` with named runs), trained from the step's settings on
the learner's seed. An answer may choose with ``a if condition else b``: e.g.
``answer = "fast.lr if fast.epochs_to_100 < slow.epochs_to_100 else slow.lr"``.
``percent = true`` lets the learner type ``33.3`` or ``33.3%`` for 0.333. The app checks a
typed answer with :func:`lessons.exercises.judge`: right, wrong with the hint, and after a
second wrong answer the worked answer with the engine's number. Headless, an exercise is
printed with its answer; a live answer is read from the step's fresh network after one
forward and one backward pass.

Limits
------
A lesson comes from anyone, so it is bounded: :data:`MAX_FILE_BYTES` per file,
:data:`MAX_STEPS` steps, :data:`MAX_CLAIMS` claims, :data:`MAX_SEEDS` seeds and
:data:`MAX_EPOCHS` epochs per claim, and every expression within the limits of
:mod:`lessons.checks` (length, nesting, size of numbers).

A malformed file raises :class:`LessonError` naming the file, the line and the problem;
:func:`load_all` collects those errors and still loads every other lesson.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp import ConfigError, RunConfig

from .checks import CheckError, Expression, parse
from .model import (
    DEFAULT_SEEDS,
    LIVE_NAMES,
    METRIC_NAMES,
    STEP_NAMES,
    Claim,
    Exercise,
    Lesson,
    LessonStep,
)

LESSON_DIR = Path(__file__).resolve().parent
ENV_VAR = "BACKPROP_LAB_LESSONS"
FENCE = "+++"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

MAX_FILE_BYTES = 256 * 1024
MAX_STEPS = 60
MAX_CLAIMS = 40
MAX_SEEDS = 100
MAX_SEED = 2**32 - 1
MAX_EPOCHS = 100_000

_CONFIG_KEYS = set(RunConfig().to_dict())
_TOP_KEYS = {"title", "summary", "order", "config", "claims"}
_CLAIM_KEYS = {"text", "config", "runs", "epochs", "seeds", "expect", "min_seeds", "max_seeds"}
_STEP_KEYS = {"action", "check", "config", "exercise", "compare"}
_EXERCISE_KEYS = {
    "prompt",
    "answer",
    "tolerance",
    "hint",
    "worked",
    "percent",
    "sample",
    "config",
    "runs",
    "epochs",
}


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


# -- where lessons are ----------------------------------------------------------------------


def lesson_dirs(extra: Iterable[Path | str] = ()) -> list[Path]:
    """The built-in folder, then the folders of ``BACKPROP_LAB_LESSONS``, then ``extra``."""
    from_env = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    folders: list[Path] = []
    for folder in (LESSON_DIR, *from_env, *extra):
        path = Path(folder).expanduser()
        if path not in folders:
            folders.append(path)
    return folders


def lesson_paths(directory: Path = LESSON_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.md"))


def load_all(
    directories: Path | Sequence[Path] | None = None,
) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson that loads, in order, and the errors of those that don't.

    ``directories``: one folder, several, or None for :func:`lesson_dirs`.
    """
    lessons: list[Lesson] = []
    errors: list[LessonError] = []
    seen: dict[str, Path] = {}
    for directory in _folders(directories):
        if not directory.is_dir():
            errors.append(LessonError(directory, 0, f"the lesson folder {directory} is missing"))
            continue
        for path in lesson_paths(directory):
            if path.stem in seen:
                errors.append(
                    LessonError(
                        path,
                        0,
                        f"a lesson named {path.stem!r} is already in {seen[path.stem].parent}",
                    )
                )
                continue
            try:
                lessons.append(load(path))
                seen[path.stem] = path
            except LessonError as exc:
                errors.append(exc)
    lessons.sort(key=lambda lesson: (lesson.order, lesson.name))
    return lessons, errors


def _folders(directories: Path | Sequence[Path] | None) -> list[Path]:
    if directories is None:
        return lesson_dirs()
    if isinstance(directories, (str, Path)):
        return [Path(directories)]
    return [Path(d) for d in directories]


def find(name: str, directories: Path | Sequence[Path] | None = None) -> Lesson:
    """A lesson by name or order number in the lesson folders only; LessonError if it is
    missing, ambiguous or malformed, or if ``name`` is not a lesson name (a path)."""
    wanted = name.strip()
    if not NAME_PATTERN.match(wanted):
        raise LessonError(
            Path(wanted or "?"),
            0,
            f"{name!r} is not a lesson name: use a name or number from 'backprop-lab lessons'",
        )
    folders = _folders(directories)
    for folder in folders:
        path = folder / f"{wanted}.md"
        if path.is_file():
            return load(path)
    lessons, _ = load_all(folders)
    numbered = [lesson for lesson in lessons if str(lesson.order) == wanted]
    if len(numbered) == 1:
        return numbered[0]
    if numbered:
        names = ", ".join(lesson.name for lesson in numbered)
        raise LessonError(Path(wanted), 0, f"lesson number {wanted} is ambiguous: {names}")
    known = ", ".join(lesson.name for lesson in lessons) or "none"
    raise LessonError(Path(wanted), 0, f"there is no lesson {wanted!r}; known lessons: {known}")


# -- one file ---------------------------------------------------------------------------------


# Lessons already parsed, by path, with the text they were parsed from: the browser lists every
# lesson each time it opens, and parsing twelve files cost ~40 ms of that opening (reading them
# costs well under 1 ms, and comparing the text cannot miss an edit as a timestamp can).
_parsed: dict[Path, tuple[str, Lesson]] = {}


def load(path: Path) -> Lesson:
    """The lesson in ``path``, or LessonError naming the file and line of what is wrong."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LessonError(
                path, 0, f"the file is {size} bytes; a lesson is at most {MAX_FILE_BYTES}"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(path, 0, f"cannot read the file ({exc})") from None
    known = _parsed.get(path)
    if known is not None and known[0] == text:
        return known[1]
    lesson = parse_lesson(text, path)
    _parsed[path] = (text, lesson)
    return lesson


def parse_lesson(text: str, path: Path) -> Lesson:
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise LessonError(Path(path), 0, f"a lesson is at most {MAX_FILE_BYTES} bytes")
    src = _Source(Path(path), text.splitlines())
    body_start = _split_front_matter(src)
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
    return Lesson(src.path.stem, src.path, title, summary, order, config, intro, steps, claims)


def _split_front_matter(src: _Source) -> int:
    """The line the body starts on, after the closing fence."""
    if not src.lines or src.lines[0].strip() != FENCE:
        raise src.error(1, f"the file must start with a '{FENCE}' line opening the front matter")
    for number, line in enumerate(src.lines[1:], start=2):
        if line.strip() == FENCE:
            return number + 1
    raise src.error(1, f"the front matter opened on line 1 is never closed by a '{FENCE}' line")


def _parse_toml(src: _Source, text: str, first_line: int) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = first_line + int(match.group(1)) - 1 if match else first_line
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "bad TOML"
        raise src.error(line, f"invalid TOML: {problem}") from None
    except RecursionError:
        raise src.error(first_line, "invalid TOML: nested too deeply") from None


def _typed(src: _Source, data: dict, key: str, kind: type, default: Any, stop: int) -> Any:
    if key not in data:
        return default
    value = data[key]
    # bool is an int in Python, but `order = true` is still a mistake.
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        raise src.error(
            src.key_line(key, 1, stop), f"{key!r} must be {_kind_name(kind)}, got {_shown(value)}"
        )
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _required(src: _Source, data: dict, key: str, kind: type, stop: int) -> Any:
    if key not in data:
        raise src.error(1, f"the front matter has no {key!r}")
    return _typed(src, data, key, kind, None, stop)


def _kind_name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        dict: "a table",
        list: "a list",
    }.get(kind, kind.__name__)


# -- settings ---------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_names(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
    )


# What each run setting must be in a lesson file, and how to say so.
_CONFIG_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "dataset": (lambda v: isinstance(v, str), "a dataset name"),
    "n": (_is_int, "a whole number"),
    "noise": (_is_number, "a number"),
    "hidden": (
        lambda v: isinstance(v, list) and all(_is_int(h) for h in v),
        "a list of layer sizes, e.g. [32, 32]",
    ),
    "activations": (_is_names, 'a list of activation names, e.g. ["relu", "relu", "sigmoid"]'),
    "lr": (_is_number, "a number"),
    "optimizer": (lambda v: isinstance(v, str), "an optimizer name"),
    "momentum": (_is_number, "a number"),
    "batch_size": (_is_int, "a whole number"),
    "loss": (lambda v: isinstance(v, str), "a loss name"),
    "bias": (lambda v: isinstance(v, bool), "true or false"),
    "init": (lambda v: isinstance(v, str), "an init name"),
    "seed": (_is_int, "a whole number"),
    "epochs": (_is_int, "a whole number"),
    "target_loss": (_is_number, "a number"),
    "shuffle": (lambda v: isinstance(v, bool), "true or false"),
}


def _config(
    src: _Source, changes: dict, line: int, base: RunConfig | None, what: str = "config"
) -> RunConfig:
    for key, value in changes.items():
        if key not in _CONFIG_KEYS:
            raise src.error(
                src.key_line(key, line),
                f"unknown {what} key {key!r}; known: {', '.join(sorted(_CONFIG_KEYS))}",
            )
        accepts, kind = _CONFIG_TYPES[key]
        if not accepts(value):
            raise src.error(
                src.key_line(key, line), f"bad {what}: {key} must be {kind}, got {_shown(value)}"
            )
    changes = _normalised(changes)
    start = base or RunConfig()
    try:
        return _changed(start, changes)
    except (ConfigError, TypeError, ValueError) as exc:
        raise src.error(_culprit_line(src, start, changes, line), f"bad {what}: {exc}") from None


def _changed(base: RunConfig, changes: dict) -> RunConfig:
    """``base`` with ``changes`` as the app makes them: one activation for every layer stays
    one for every layer when ``hidden`` changes (RunConfig.replace)."""
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    return base.replace(**values).validated()


def _normalised(changes: dict) -> dict:
    """``activations = "relu"`` is one activation for every layer."""
    if isinstance(changes.get("activations"), str):
        return changes | {"activations": [changes["activations"]]}
    return changes


def _culprit_line(src: _Source, base: RunConfig, changes: dict, line: int) -> int:
    """The line of the first setting that is bad on its own, else the table's line."""
    for key, value in changes.items():
        try:
            _changed(base, {key: value})
        except (ConfigError, TypeError, ValueError):
            return src.key_line(key, line)
    return line


def _expression(
    src: _Source, text: Any, allowed: dict, line: int, what: str, *, choice: bool = False
) -> Expression:
    if not isinstance(text, str):
        raise src.error(line, f"{what} must be a string expression, got {_shown(text)}")
    try:
        return parse(text, allowed, choice=choice)
    except CheckError as exc:
        raise src.error(line, f"bad {what}: {exc}") from None


def _runs(
    src: _Source, item: dict, base: RunConfig, line: int, end: int, what: str
) -> dict[str, dict]:
    """The ``config`` or named ``runs`` of a claim or exercise, each checked against ``base``."""
    if "runs" in item and "config" in item:
        raise src.error(line, f"{what}: give either 'config' or 'runs', not both")
    runs_raw = _typed(src, item, "runs", dict, None, end)
    if runs_raw is None:
        runs_raw = {"": _typed(src, item, "config", dict, {}, end)}
    elif not runs_raw:
        raise src.error(line, f"{what}: 'runs' names no run")
    runs: dict[str, dict] = {}
    for run_name, changes in runs_raw.items():
        if run_name and not run_name.isidentifier():
            raise src.error(
                src.key_line("runs", line, end), f"{what}: run name {run_name!r} is not a name"
            )
        if not isinstance(changes, dict):
            raise src.error(
                src.key_line(run_name, line, end) if run_name else line,
                f"{what}: run {run_name or 'config'!r} must be a table of settings",
            )
        where = src.key_line("runs" if run_name else "config", line, end)
        _config(src, changes, where, base, f"{what} config")
        runs[run_name] = _normalised(dict(changes))
    return runs


def _epochs(src: _Source, item: dict, default: int, line: int, end: int, what: str) -> int:
    epochs = _typed(src, item, "epochs", int, default, end)
    if not 0 <= epochs <= MAX_EPOCHS:
        raise src.error(
            src.key_line("epochs", line, end), f"{what}: epochs must be 0 to {MAX_EPOCHS}"
        )
    return epochs


def _claims(src: _Source, raw: Any, config: RunConfig, stop: int) -> tuple[Claim, ...]:
    if not isinstance(raw, list):
        raise src.error(src.key_line("claims", 1, stop), "'claims' must be [[claims]] tables")
    if len(raw) > MAX_CLAIMS:
        raise src.error(
            src.find(r"^\s*\[\[claims\]\]", 1, stop),
            f"{len(raw)} claims; a lesson makes at most {MAX_CLAIMS}",
        )
    claims = []
    search_from = 1
    for index, item in enumerate(raw, start=1):
        line = src.find(r"^\s*\[\[claims\]\]", search_from, stop)
        search_from = line + 1
        end = next(
            (n for n in range(search_from, stop) if src.lines[n - 1].lstrip().startswith("[")),
            stop,
        )
        what = f"claim {index}"
        if not isinstance(item, dict):
            raise src.error(line, f"{what} must be a table")
        for key in item:
            if key not in _CLAIM_KEYS:
                raise src.error(src.key_line(key, line, end), f"{what}: unknown key {key!r}")
        text = _typed(src, item, "text", str, "", end)
        if not text:
            raise src.error(line, f"{what} has no 'text'")
        runs = _runs(src, item, config, line, end, what)
        epochs = _epochs(src, item, config.epochs, line, end, what)
        seeds = _typed(src, item, "seeds", list, list(DEFAULT_SEEDS), end)
        if (
            not seeds
            or len(seeds) > MAX_SEEDS
            or not all(_is_int(s) and 0 <= s <= MAX_SEED for s in seeds)
            or len(set(seeds)) != len(seeds)
        ):
            raise src.error(
                src.key_line("seeds", line, end),
                f"{what}: seeds must be 1 to {MAX_SEEDS} different whole numbers >= 0",
            )
        min_seeds = _typed(src, item, "min_seeds", int, None, end)
        max_seeds = _typed(src, item, "max_seeds", int, None, end)
        low = 1 if max_seeds is None else 0
        for key, count in (("min_seeds", min_seeds), ("max_seeds", max_seeds)):
            if count is not None and not low <= count <= len(seeds):
                raise src.error(
                    src.key_line(key, line, end),
                    f"{what}: {key} must be between {low} and {len(seeds)}",
                )
        if min_seeds is not None and max_seeds is not None and min_seeds > max_seeds:
            raise src.error(
                src.key_line("max_seeds", line, end), f"{what}: max_seeds is below min_seeds"
            )
        if max_seeds is not None and min_seeds is None:
            min_seeds = 0
        expect_line = src.key_line("expect", line, end)
        if "expect" not in item:
            raise src.error(line, f"{what} has no 'expect'")
        expect = _run_expression(src, item["expect"], runs, expect_line, f"{what} expect")
        claims.append(Claim(text, line, runs, expect, epochs, tuple(seeds), min_seeds, max_seeds))
    return tuple(claims)


def _run_expression(
    src: _Source, text: Any, runs: dict, line: int, what: str, *, choice: bool = False
) -> Expression:
    allowed = METRIC_NAMES if "" in runs else dict.fromkeys(runs)
    expression = _expression(src, text, allowed, line, what, choice=choice)
    if "" not in runs:
        _check_metrics(src, expression, line, what)
    return expression


def _check_metrics(src: _Source, expect: Expression, line: int, what: str) -> None:
    """With named runs every name must be followed by a metric: gd.epochs_to_100."""
    owners = set()
    for node in ast.walk(expect.tree):
        if isinstance(node, ast.Attribute):
            owners.add(id(node.value))
            if node.attr not in METRIC_NAMES:
                raise src.error(
                    line,
                    f"{what}: unknown metric {node.attr!r}; known: {', '.join(METRIC_NAMES)}",
                )
    for node in ast.walk(expect.tree):
        if isinstance(node, ast.Name) and node.id in expect.names and id(node) not in owners:
            raise src.error(line, f"{what}: write {node.id}.METRIC, e.g. {node.id}.accuracy")


# -- steps ------------------------------------------------------------------------------------


def _steps(src: _Source, body_start: int, config: RunConfig) -> tuple[str, tuple[LessonStep, ...]]:
    headings = []
    inside_fence = False
    for n in range(body_start, len(src.lines) + 1):
        line = src.lines[n - 1]
        if line.startswith("```"):
            inside_fence = not inside_fence
        elif line.startswith("## ") and not inside_fence:
            headings.append(n)
            if len(headings) > MAX_STEPS:
                raise src.error(n, f"a lesson has at most {MAX_STEPS} steps")
    first = headings[0] if headings else len(src.lines) + 1
    intro = "\n".join(src.lines[body_start - 1 : first - 1]).strip()
    steps = []
    changes: dict[str, Any] = {}
    for i, heading in enumerate(headings):
        end = headings[i + 1] if i + 1 < len(headings) else len(src.lines) + 1
        step = _step(src, heading, end, config.replace(**changes) if changes else config)
        if step.compare is not None and not 1 <= step.compare <= i:
            earlier = f"1 to {i}" if i else "there is none before the first"
            raise src.error(
                src.key_line("compare", heading, end),
                f"step {step.title!r}: compare names an earlier step ({earlier}), "
                f"got {step.compare}",
            )
        changes.update(step.config)
        steps.append(step)
    return intro, tuple(steps)


def _step(src: _Source, heading: int, end: int, config: RunConfig) -> LessonStep:
    """One step; ``config`` is what the steps before it have set up."""
    title = src.lines[heading - 1][3:].strip()
    if not title:
        raise src.error(heading, "a step heading needs a title after '## '")
    n = heading + 1
    while n < end and not src.lines[n - 1].strip():
        n += 1
    meta: dict[str, Any] = {}
    body_from = heading + 1
    close = n
    if n < end and src.lines[n - 1].strip() == "```toml":
        fence = next((m for m in range(n + 1, end) if src.lines[m - 1].strip() == "```"), None)
        if fence is None:
            raise src.error(n, f"the ```toml block of step {title!r} is never closed")
        close = fence
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
    step_config = config
    if changes:
        where = src.key_line("config", n, end)
        step_config = _config(src, changes, where, config, f"config of step {title!r}")
    exercise = None
    if "exercise" in meta:
        exercise = _exercise(src, meta["exercise"], title, n, close, step_config)
    compare = _typed(src, meta, "compare", int, None, end)
    body = "\n".join(src.lines[body_from - 1 : end - 1]).strip()
    return LessonStep(
        title, body, heading, action, check, _normalised(dict(changes)), exercise, compare
    )


def _exercise(
    src: _Source, raw: Any, title: str, start: int, stop: int, config: RunConfig
) -> Exercise:
    line = src.find(r"^\s*\[exercise\]", start, stop)
    what = f"exercise of step {title!r}"
    if not isinstance(raw, dict):
        raise src.error(line, f"{what} must be an [exercise] table")
    for key in raw:
        if key not in _EXERCISE_KEYS:
            raise src.error(
                src.key_line(key, line, stop),
                f"{what}: unknown key {key!r}; known: {', '.join(sorted(_EXERCISE_KEYS))}",
            )
    texts = {}
    for key in ("prompt", "hint", "worked"):
        texts[key] = _typed(src, raw, key, str, "", stop).strip()
        if not texts[key]:
            raise src.error(line, f"{what} needs a '{key}'")
    if "answer" not in raw:
        raise src.error(line, f"{what} needs an 'answer'")
    if "tolerance" not in raw:
        raise src.error(line, f"{what} needs a 'tolerance' (0 for an exact answer)")
    tolerance = raw["tolerance"]
    if not _is_number(tolerance) or not 0 <= tolerance < float("inf"):
        raise src.error(
            src.key_line("tolerance", line, stop),
            f"{what}: tolerance must be a number >= 0, got {_shown(tolerance)}",
        )
    percent = _typed(src, raw, "percent", bool, False, stop)
    answer_line = src.key_line("answer", line, stop)
    from_runs = any(key in raw for key in ("runs", "config", "epochs"))
    if from_runs:
        if "sample" in raw:
            raise src.error(
                src.key_line("sample", line, stop), f"{what}: 'sample' is for live answers"
            )
        runs = _runs(src, raw, config, line, stop, what)
        epochs = _epochs(src, raw, config.epochs, line, stop, what)
        answer = _run_expression(
            src, raw["answer"], runs, answer_line, f"{what} answer", choice=True
        )
        return Exercise(
            texts["prompt"], answer, float(tolerance), texts["hint"], texts["worked"], line,
            percent, None, runs, epochs,
        )  # fmt: skip
    sample = _typed(src, raw, "sample", int, None, stop)
    if sample is not None and sample < 1:
        raise src.error(src.key_line("sample", line, stop), f"{what}: sample counts from 1")
    answer = _expression(src, raw["answer"], LIVE_NAMES, answer_line, f"{what} answer", choice=True)
    return Exercise(
        texts["prompt"], answer, float(tolerance), texts["hint"], texts["worked"], line,
        percent, sample,
    )  # fmt: skip
