"""The words of a check that the command line and the app both say: the learner's error as one
block (what failed, where, the message, the hint), the sentence when no mistake is recognised,
and the sub-step marks.

Plain strings only: ``backprop-lab check`` styles them with rich, the app's Formulas panel with
Textual. Nothing here imports either.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlp.labcheck import DIFFERS, OK, LearnerError

# Errors that are our sentences about their code, not an exception their code raised.
OUR_SENTENCES = ("ProcessEnded", "MissingWeights", "WrongShape")
NO_DIAGNOSIS = "No classic mistake gives your value: compare your line with the formula above."
LATER = "The sub-steps after it start from this value, so their differences may all come from it."
MARKS = {OK: "✓", DIFFERS: "✗"}  # and "·" for a sub-step their code keeps nowhere
UNSEEN_MARK = "·"


def mark(status: str) -> str:
    return MARKS.get(status, UNSEEN_MARK)


@dataclass(frozen=True)
class ErrorBlock:
    """The learner's error, as the report and the app show it: a headline, then where it
    happened (their file, line and code), their exception's own message, and the hint."""

    head: str  # "✗ Your code raised NameError in Backpropagation (training step 1)."
    place: str | None  # "lab.py, line 52 in Backpropagation: grad_W1 = x.T @ grad_Z1"
    message: str | None  # "NameError: name 'x' is not defined"
    hint: str | None  # without the "Hint: " the report puts before it

    def lines(self) -> list[str]:
        """Every line of the block, unstyled."""
        out = [self.head]
        out += [text for text in (self.place, self.message) if text]
        if self.hint:
            out.append(f"Hint: {self.hint}.")
        return out


def error_block(error: LearnerError) -> ErrorBlock:
    if error.call == "import":
        where = "while importing your file"
    elif error.call == "__init__":
        where = "in __init__"
    elif error.call:
        where = f"in {error.call} (training step {error.step})"
    else:
        where = ""
    if error.type == "Timeout":
        head = f"✗ {capital(error.message)}" + (f": it was still running {where}" if where else "")
    elif error.type in OUR_SENTENCES:
        head = f"✗ {capital(error.message)}"
    else:
        head = f"✗ Your code raised {error.type}" + (f" {where}" if where else "")
    place = None
    if error.file and error.line:
        function = f" in {error.function}" if error.function else ""
        source = f": {error.source}" if error.source else ""
        place = f"{error.file}, line {error.line}{function}{source}"
    message = None
    if error.type != "Timeout" and error.type not in OUR_SENTENCES:
        message = f"{error.type}: {error.message}"
    return ErrorBlock(head + ".", place, message, error.hint)


def capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
