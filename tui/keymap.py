"""The app's one key map: every key, what it does, and how the footer and the help name it.

The trainer screen binds :data:`TRAINER_KEYS`, the lesson screen :data:`LESSON_KEYS`: one key
means one thing in both (``n``/``p`` a sub-step, ``f``/``b`` a whole pass, ``e`` an epoch,
``space`` runs and pauses, ``r`` resets to the seed, ``s`` settings, ``?`` help, ``q`` quits);
a lesson adds ``]``/``[`` to move between its steps and ``enter`` to type an exercise's answer,
and its ``escape`` goes back to the lesson browser. In a lesson a run also stops by itself at
the first epoch where the step's check holds. The help screen (``?``) lists the bindings of the
screen it was opened from, described here.

Every trainer key is a *priority* binding: Textual runs priority bindings as the key arrives
but forwards the others to the screen's queue, so a mix of the two can run out of order
(``n`` then ``space`` pressed in one instant ran ``space`` first). All priority, they run in
the order they were pressed.

The footer shows a key only when the terminal is at least ``footer_width`` columns wide, so
that at 80 columns every key that matters fits (the rest are in the help screen).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

ALWAYS = 0  # footer_width for the keys the footer shows at every size


@dataclass(frozen=True)
class Key:
    keys: str  # Textual key names, comma-separated
    action: str
    label: str  # the footer's word for it: short, so that 80 columns hold every key that matters
    description: str  # the help screen's sentence
    footer_width: int | None = ALWAYS  # None: never in the footer (help only)
    display: str | None = None  # how the key is written, when not its name

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.label,
            show=self.footer_width is not None,
            key_display=self.display,
            priority=True,
        )


# In footer order. The trainer's actions live on the app (``app.``) or on the screen.
TRAINER_KEYS: tuple[Key, ...] = (
    Key(
        "n",
        "app.next_substep",
        "Next",
        "next sub-step: each layer forward, the loss, each backward term, the update",
    ),
    Key("p", "app.previous_substep", "Prev", "previous sub-step (steps back over an update too)"),
    Key("f", "app.forward_pass", "Fwd", "the whole forward pass, up to the loss", 92),
    Key(
        "b", "app.backward_pass", "Bwd", "the whole backward pass, up to just before the update", 92
    ),
    Key("e", "app.epoch", "Epoch", "one epoch (finishes the current one)"),
    Key("space", "app.toggle_run", "Run", "run or pause continuous training"),
    Key(
        "plus,equals_sign",
        "app.speed(1)",
        "Faster",
        "train faster (epochs per second, up to as fast as it goes)",
        118,
        "+",
    ),
    Key("minus", "app.speed(-1)", "Slower", "train slower", 118, "-"),
    Key("r", "app.reset", "Reset", "reset to the seed: the first weights again", 100),
    Key(
        "s",
        "app.settings",
        "Settings",
        "settings: dataset, layers, activations, lr, optimizer, batch size, loss, biases, seed",
    ),
    Key(
        "g",
        "app.gradcheck",
        "Gradcheck",
        "gradient check: every gradient against central finite differences",
    ),
    Key(
        "up",
        "app.select_sample(-1)",
        "Sample ↑",
        "previous sample: the one whose numbers Formulas and Layers show",
        None,
        "↑",
    ),
    Key("down", "app.select_sample(1)", "Sample ↓", "next sample", None, "↓"),
    Key("left", "cycle_tab(-1)", "Tab ←", "previous tab", None, "←"),
    Key("right", "cycle_tab(1)", "Tab →", "next tab", None, "→"),
    Key("o", "toggle_log", "Log", "loss curve: log or linear scale", None),
    Key(
        "t",
        "toggle_truth",
        "Truth",
        "data: the digits show the ground truth or the prediction",
        None,
    ),
    Key(
        "ctrl+s",
        "app.save",
        "Save",
        "save the run (open it again with backprop-lab --load FILE)",
        None,
        "ctrl+s",
    ),
    Key("l", "app.open_lessons", "Lessons", "the guided lessons"),
    Key("question_mark", "app.help", "Help", "this help", ALWAYS, "?"),
    Key("q", "app.quit", "Quit", "quit"),
)


def _trainers(action: str) -> str:
    """The trainer's sentence for ``action``: a lesson key that means the same says the same."""
    return next(key.description for key in TRAINER_KEYS if key.action == f"app.{action}")


# The lesson screen's keys: the trainer's where they mean the same, acting on the lesson's own
# trainer (the actions live on the lesson screen), then the lesson's own. ``enter`` is shown in
# the exercise's own line instead of the footer.
LESSON_KEYS: tuple[Key, ...] = (
    Key("n", "next_substep", "Next", _trainers("next_substep")),
    Key("p", "previous_substep", "Prev", _trainers("previous_substep")),
    Key("f", "forward_pass", "Fwd", _trainers("forward_pass"), 118),
    Key("b", "backward_pass", "Bwd", _trainers("backward_pass"), 118),
    Key("e", "epoch", "Epoch", _trainers("epoch")),
    Key(
        "space",
        "toggle_run",
        "Run",
        "run or pause training: a run stops by itself at the first epoch where the step's "
        "check holds (once it holds, a run goes on until paused)",
    ),
    Key("r", "reset", "Reset", _trainers("reset"), 100),
    Key(
        "s",
        "settings",
        "Settings",
        "settings of the lesson's network (lr and momentum apply live, anything else starts "
        "again from the seed); the step's check reads the changed network",
    ),
    Key("up", "select_sample(-1)", "Sample ↑", _trainers("select_sample(-1)"), None, "↑"),
    Key("down", "select_sample(1)", "Sample ↓", _trainers("select_sample(1)"), None, "↓"),
    Key(
        "right_square_bracket",
        "next_step",
        "Next step",
        "next step, once this step's check holds and its exercise is answered",
        ALWAYS,
        "]",
    ),
    Key("left_square_bracket", "previous_step", "Prev step", "previous step", 100, "["),
    Key(
        "enter",
        "answer",
        "Answer",
        "type the exercise's answer: Enter checks it, Escape goes back to the keys",
        None,
        "Enter",
    ),
    Key("question_mark", "help", "Help", "this help", ALWAYS, "?"),
    Key("escape", "close", "Lessons", "back to the lesson browser", ALWAYS, "esc"),
    Key("q", "quit", "Quit", "quit"),
)

DESCRIPTIONS = {key.action: key.description for key in (*TRAINER_KEYS, *LESSON_KEYS)}


def bindings(keys: tuple[Key, ...] = TRAINER_KEYS) -> list[Binding]:
    return [key.binding() for key in keys]


def footer_width(action: str, keys: tuple[Key, ...] = TRAINER_KEYS) -> int | None:
    """The width from which the footer shows ``action``'s key (None: help only)."""
    for key in keys:
        if key.action == action:
            return key.footer_width
    return ALWAYS


def footer_tier(width: int, keys: tuple[Key, ...] = TRAINER_KEYS) -> int:
    """How many of the footer's width thresholds ``width`` reaches (the footer changes only
    when this does)."""
    widths = {key.footer_width for key in keys if key.footer_width}
    return sum(width >= w for w in widths)


def describe(binding: Binding) -> str:
    """The help screen's sentence for a binding of any screen."""
    return DESCRIPTIONS.get(binding.action, binding.description)
