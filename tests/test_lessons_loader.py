"""Lesson files: the shipped ones load; broken ones say file, line and problem."""

import textwrap
from pathlib import Path

import pytest

from lessons.loader import (
    ENV_VAR,
    LESSON_DIR,
    MAX_STEPS,
    LessonError,
    find,
    lesson_dirs,
    load,
    load_all,
    parse_lesson,
)
from lessons.model import LessonStep
from mlp import RunConfig

GOOD = """\
+++
title = "A lesson"
summary = "One line."
order = 3

[config]
dataset = "linear"
lr = 0.5

[[claims]]
text = "It learns."
config = { hidden = [8, 8] }
epochs = 100
expect = "accuracy > 0.5"
+++
Intro prose.

## First step
```toml
action = "Take one sub-step."
check = 'substep == "Z1"'
config = { lr = 0.1 }
```
Body of the first step.

## Second step
Only prose here.
"""


def write(tmp_path: Path, text: str, name: str = "lesson.md") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_lessons_all_load_in_order():
    lessons, errors = load_all()
    assert errors == []
    assert len(lessons) >= 12
    orders = [lesson.order for lesson in lessons]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for lesson in lessons:
        assert lesson.title and lesson.summary and lesson.steps and lesson.claims
        assert lesson.path.parent == LESSON_DIR


def test_shipped_lessons_guide_the_learner_with_checks():
    lessons, _ = load_all()
    checks = [step.check for lesson in lessons for step in lesson.steps if step.check]
    assert len(checks) > 20


def test_a_good_file_parses_into_config_steps_and_claims(tmp_path):
    lesson = load(write(tmp_path, GOOD))
    assert lesson.name == "lesson"
    assert lesson.config == RunConfig(dataset="linear", lr=0.5)
    assert lesson.intro == "Intro prose."
    first, second = lesson.steps
    assert (first.title, first.action, first.config) == (
        "First step",
        "Take one sub-step.",
        {"lr": 0.1},
    )
    assert first.check.evaluate({"substep": "Z1"}) is True
    assert first.body == "Body of the first step."
    assert first.line == 18
    assert second.check is None and second.body == "Only prose here."
    (claim,) = lesson.claims
    assert claim.single and claim.runs == {"": {"hidden": [8, 8]}}
    assert claim.epochs == 100 and claim.seeds == tuple(range(10)) and claim.required == 10
    assert lesson.run_config(claim.runs[""], seed=2, epochs=100).hidden == (8, 8)


def test_a_lesson_edited_on_disk_is_read_again_and_an_unchanged_one_is_not(tmp_path, monkeypatch):
    import lessons.loader as loader

    parsed: list[str] = []
    real = loader.parse_lesson

    def counted(text, path):
        parsed.append(Path(path).name)
        return real(text, path)

    monkeypatch.setattr(loader, "parse_lesson", counted)
    path = write(tmp_path, GOOD)
    first = load(path)
    assert load(path) is first and parsed == ["lesson.md"]  # the browser reopens: no parse
    # A teacher's edit of the same size, at once (a timestamp could miss it; the text cannot).
    path.write_text(textwrap.dedent(GOOD).replace("A lesson", "B lesson"), encoding="utf-8")
    assert load(path).title == "B lesson" and parsed == ["lesson.md", "lesson.md"]
    path.write_text("+++\ntitle = 1\n", encoding="utf-8")
    with pytest.raises(LessonError):
        load(path)  # a file broken since is reported, not served from before


def test_lessons_are_found_by_name_or_order_number(tmp_path):
    write(tmp_path, GOOD, "first.md")
    assert find("first", tmp_path).name == "first"
    assert find("3", tmp_path).name == "first"
    with pytest.raises(LessonError, match="no lesson 'nope'.*first"):
        find("nope", tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        ("+++\ntitle", "title", 1, "must start with a '\\+\\+\\+' line"),
        ('dataset = "linear"', 'datset = "linear"', 7, "unknown config key 'datset'"),
        ("lr = 0.5", "lr = -1.0", 8, "bad config: the learning rate must be a positive"),
        ("order = 3", 'order = "three"', 4, "'order' must be an integer"),
        ('title = "A lesson"\n', "", 1, "no 'title'"),
        (
            "check = 'substep == \"Z1\"'",
            "check = 'substep === \"Z1\"'",
            21,
            "bad check of step 'First step'.*not a valid expression",
        ),
        ("check = 'substep", "check = 'subsetp", 21, "unknown name.*subsetp"),
        ('expect = "accuracy > 0.5"', 'expect = "accuracy > open(1)"', 14, "bad claim 1 expect"),
        ("epochs = 100", "epochs = [100]", 13, "'epochs' must be an integer"),
        ("config = { hidden = [8, 8] }", "config = { hiden = [8] }", 12, "unknown claim 1 config"),
        ("config = { lr = 0.1 }", "config = { lr = 'fast' }", 22, "config of step 'First step'"),
        ('summary = "One line."', 'summary = "One line.', 3, "invalid TOML"),
        ("action = ", "acton = ", 20, "unknown key 'acton'"),
    ],
)
def test_malformed_files_name_file_line_and_problem(tmp_path, old, new, line, problem):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(LessonError, match=problem) as caught:
        load(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"lesson.md:{line}: ")


def test_unclosed_front_matter_is_reported(tmp_path):
    path = write(tmp_path, "+++\ntitle = 'x'\n## Step\n")
    with pytest.raises(LessonError, match="never closed"):
        load(path)


def test_named_runs_must_be_read_through_a_metric(tmp_path):
    text = GOOD.replace(
        'config = { hidden = [8, 8] }\nepochs = 100\nexpect = "accuracy > 0.5"',
        'runs = { a = {}, b = { lr = 0.1 } }\nexpect = "a.accuracy > b"',
    )
    with pytest.raises(LessonError, match=r"write b\.METRIC"):
        load(write(tmp_path, text))
    with pytest.raises(LessonError, match="unknown metric 'acc'"):
        load(write(tmp_path, text.replace("a.accuracy > b", "a.acc > b.accuracy")))


def test_one_broken_lesson_does_not_stop_the_others(tmp_path):
    write(tmp_path, GOOD, "good.md")
    write(tmp_path, GOOD.replace("order = 3", "order = 'x'"), "bad.md")
    lessons, errors = load_all(tmp_path)
    assert [lesson.name for lesson in lessons] == ["good"]
    assert len(errors) == 1 and str(errors[0]).startswith("bad.md:4: ")


def test_steps_are_lesson_steps_with_their_settings(tmp_path):
    lesson = load(write(tmp_path, GOOD))
    assert all(isinstance(step, LessonStep) for step in lesson.steps)


# -- settings are typed as a learner writes them ---------------------------------------------


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ('hidden = "32"', "hidden must be a list of layer sizes"),
        ("hidden = 32", "hidden must be a list of layer sizes"),
        ('hidden = [32, "8"]', "hidden must be a list of layer sizes"),
        ('lr = "fast"', "lr must be a number"),
        ("lr = true", "lr must be a number"),
        ("bias = 1", "bias must be true or false"),
        ("activations = [1, 2, 3]", "activations must be a list of activation names"),
    ],
)
def test_a_setting_of_the_wrong_type_is_an_error_on_its_line(tmp_path, setting, problem):
    path = write(tmp_path, GOOD.replace("lr = 0.5", setting, 1))
    with pytest.raises(LessonError, match=problem) as caught:
        load(path)
    assert caught.value.line == 8


def test_one_activation_name_is_one_for_every_layer(tmp_path):
    lesson = load(write(tmp_path, GOOD.replace("lr = 0.5", 'activations = "relu"')))
    assert lesson.config.activations == ("relu", "relu", "relu")


# -- limits: a lesson comes from anyone --------------------------------------------------------


def test_an_expression_bomb_is_refused_on_its_line_and_the_other_lessons_load(tmp_path):
    write(tmp_path, GOOD, "good.md")
    bomb = GOOD.replace("check = 'substep == \"Z1\"'", "check = '" + "not " * 5000 + "diverged'")
    write(tmp_path, bomb, "bomb.md")
    product = GOOD.replace('"accuracy > 0.5"', '"accuracy < 100000 * 100000 * 100000 * 100000"')
    write(tmp_path, product, "product.md")
    lessons, errors = load_all(tmp_path)
    assert [lesson.name for lesson in lessons] == ["good"]
    messages = sorted(str(error) for error in errors)
    assert messages[0].startswith("bomb.md:21: ") and "characters long" in messages[0]
    assert messages[1].startswith("product.md:14: ") and "too large" in messages[1]


def test_a_lesson_with_too_many_steps_is_refused_at_the_first_step_past_the_limit(tmp_path):
    steps = "".join(f"## {i}\n" for i in range(20000))  # 20000 steps in 150 kB
    text = GOOD.split("Intro prose.")[0] + steps
    with pytest.raises(LessonError, match=f"at most {MAX_STEPS} steps") as caught:
        parse_lesson(text, tmp_path / "long.md")
    assert caught.value.line == GOOD.split("Intro prose.")[0].count("\n") + 1 + MAX_STEPS


def test_deeply_nested_toml_is_a_lesson_error(tmp_path):
    text = GOOD.replace('summary = "One line."', "summary = " + "[" * 50000 + "]" * 50000)
    with pytest.raises(LessonError, match="invalid TOML"):
        parse_lesson(text, tmp_path / "deep.md")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = write(tmp_path, GOOD + "x" * 300_000)
    with pytest.raises(LessonError, match="at most"):
        load(path)


def test_claim_seed_counts(tmp_path):
    text = GOOD.replace('expect = "accuracy > 0.5"', 'expect = "accuracy > 0.5"\nmin_seeds = 7')
    (claim,) = load(write(tmp_path, text)).claims
    assert claim.count_phrase == "on at least 7 of the 10 seeds we test"
    assert claim.bounds() == (7, 10) and claim.bounds(30) == (21, 30)
    text = GOOD.replace('expect = "accuracy > 0.5"', 'expect = "accuracy > 0.5"\nmax_seeds = 3')
    (claim,) = load(write(tmp_path, text)).claims
    assert claim.count_phrase == "on at most 3 of the 10 seeds we test"
    assert claim.bounds() == (0, 3)
    text = GOOD.replace(
        'expect = "accuracy > 0.5"', 'expect = "accuracy > 0.5"\nmin_seeds = 1\nmax_seeds = 1'
    )
    (claim,) = load(write(tmp_path, text)).claims
    assert claim.count_phrase == "on 1 of the 10 seeds we test"
    bad = GOOD.replace('expect = "accuracy > 0.5"', 'expect = "accuracy > 0.5"\nmax_seeds = 11')
    with pytest.raises(LessonError, match="max_seeds must be between 0 and 10"):
        load(write(tmp_path, bad))


# -- where lessons come from -------------------------------------------------------------------


def test_a_teachers_folder_and_the_environment_add_lessons_beside_the_built_in_ones(
    tmp_path, monkeypatch
):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir()
    theirs.mkdir()
    write(mine, GOOD.replace("order = 3", "order = 40"), "mine.md")
    write(theirs, GOOD.replace("order = 3", "order = 41"), "theirs.md")
    monkeypatch.setenv(ENV_VAR, str(theirs))
    assert lesson_dirs([mine]) == [LESSON_DIR, theirs, mine]
    lessons, errors = load_all(lesson_dirs([mine]))
    names = [lesson.name for lesson in lessons]
    assert errors == [] and names[-2:] == ["mine", "theirs"] and "momentum" in names
    assert find("theirs").name == "theirs"  # the environment alone is enough
    assert find("40", lesson_dirs([mine])).name == "mine"


def test_a_name_two_folders_define_is_an_error_and_the_first_is_kept(tmp_path):
    write(tmp_path, GOOD, "momentum.md")
    lessons, errors = load_all([LESSON_DIR, tmp_path])
    momentum = [lesson for lesson in lessons if lesson.name == "momentum"]
    assert len(momentum) == 1 and momentum[0].path.parent == LESSON_DIR
    assert len(errors) == 1 and "already in" in errors[0].problem


@pytest.mark.parametrize("name", ["../../secret", "/tmp/secret", "sub/secret", "..", "a b"])
def test_a_lesson_is_found_by_name_never_by_path(tmp_path, name):
    outside = tmp_path / "secret.md"
    outside.write_text(GOOD, encoding="utf-8")
    (tmp_path / "lessons").mkdir()
    with pytest.raises(LessonError, match="is not a lesson name"):
        find(
            name if not name.startswith("/tmp") else str(outside.with_suffix("")),
            tmp_path / "lessons",
        )


def test_a_step_compares_with_an_earlier_step_only(tmp_path):
    block = "## Second step\n```toml\ncompare = {}\n```\n"
    compared = GOOD.replace("## Second step\n", block.format(1))
    assert load(write(tmp_path, compared)).steps[1].compare == 1
    assert load(write(tmp_path, GOOD)).steps[1].compare is None
    for number in (0, 2):
        later = write(tmp_path, GOOD.replace("## Second step\n", block.format(number)))
        with pytest.raises(LessonError, match=rf"earlier step \(1 to 1\), got {number}") as caught:
            load(later)
        assert caught.value.line == 28  # the compare line
    first = GOOD.replace("config = { lr = 0.1 }\n", "config = { lr = 0.1 }\ncompare = 1\n")
    with pytest.raises(LessonError, match="there is none before the first"):
        load(write(tmp_path, first))
