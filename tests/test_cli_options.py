"""One source for each fact: the command line's run options, and the defaults their help
shows, come from RunConfig; and --help answers without loading numpy or rich."""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess
import sys

import pytest

from mlp import RunConfig
from tui import options
from tui.cli import build_parser


def _help(parser: argparse.ArgumentParser) -> str:
    return " ".join(parser.format_help().split())  # unwrapped


def _subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def test_every_run_setting_has_an_option() -> None:
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    assert set(options.FIELDS) | set(options.WITHOUT_OPTION) == fields
    train = _subcommand("train")
    flags = {flag for action in train._actions for flag in action.option_strings}
    for field in options.FIELDS:
        assert options.flag_of(field) in flags


@pytest.mark.parametrize(
    ("flag", "shown"),
    [
        ("--dataset", "xor"),
        ("--n", "100"),
        ("--noise", "0.05"),
        ("--hidden", "32,32"),
        ("--act", "sigmoid"),
        ("--bias, --no-bias", "off"),
        ("--init", "normal"),
        ("--seed", "0"),
        ("--lr", "0.05"),
        ("--optimizer", "gd"),
        ("--momentum", "0.9"),
        ("--batch-size", "the whole dataset"),
        ("--loss", "sse"),
        ("--epochs", "10000"),
    ],
)
def test_the_help_shows_runconfigs_defaults(flag, shown) -> None:
    listing = _help(_subcommand("train")).split("options:", 1)[1]  # not the usage line
    entry = re.search(re.escape(flag) + r"\b(?!-).*?\(default: ([^)]*)\)", listing)
    assert entry is not None and entry.group(1) == shown


def test_a_new_default_in_runconfig_is_the_new_default_in_the_help(monkeypatch) -> None:
    monkeypatch.setattr(options, "DEFAULTS", RunConfig(lr=0.5, hidden=(8, 4), epochs=7))
    text = _help(_subcommand("train"))
    assert "learning rate (default: 0.5)" in text
    assert "any depth (default: 8,4)" in text and "epochs to train (default: 7)" in text
    compare = _help(_subcommand("compare"))
    assert "(default: 8x4)" in compare  # compare spells one run's layers with x


def test_an_option_list_gives_the_settings_back() -> None:
    settings = {"hidden": (8, 4), "activations": ("relu", "sigmoid", "sigmoid"), "bias": True}
    settings |= {"lr": 0.1, "batch_size": 5, "dataset": "spiral"}
    parser = build_parser()
    args = parser.parse_args(["train", *options.command_line(settings)])
    assert options.given(args) == settings


def test_help_loads_neither_numpy_nor_rich() -> None:
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "for argv in (['--help'], ['train', '--help'], ['compare', '--help'],"
        " ['gradcheck', '--help'], ['serve', '--help'], ['lesson', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('numpy', 'rich', 'textual') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
