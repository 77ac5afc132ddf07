"""The Formulas panel's numbers check out: every line of plain numbers, redone by hand from the
digits on screen, gives the result on screen, to its last digit (issue 9, item 4).

The panel is rendered from snapshots directly (no Textual app), so hypothesis can try many
configurations and sub-steps cheaply. The test parses the panel's text itself; it shares no
code with the panel but the number formatter.
"""

from __future__ import annotations

import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp import RunConfig, Trainer
from tui import format as fmt
from tui import snapshot as snap
from tui.widgets.formulas import plain

NUMBER = r"(?:-?(?:\d+\.?\d*(?:e[+-]?\d+)?|inf|nan))"
# The text of a substituted line of plain numbers: numbers, operators, parentheses, functions.
ARITHMETIC = re.compile(r"^(?:\s|" + NUMBER + r"|[−+·*/■²ᵀ()\[\]]|σ|ReLU|LeakyReLU|tanh|log)+$")
FUNCTIONS = {
    "sig": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky": lambda z: np.maximum(z, z * 0.01),
    "tanh": np.tanh,
    "log": np.log,
    "F": np.float64,
}


def recompute(numbers: str) -> float:
    """Evaluate a line's numbers as a learner would with a calculator (float64)."""
    expr = numbers.replace("−", "-").replace("·", "*").replace("■", "*").replace("ᵀ", "")
    expr = expr.replace("²", "**2").replace("[", "(").replace("]", ")")
    expr = expr.replace("LeakyReLU", "leaky").replace("ReLU", "relu").replace("σ", "sig")
    expr = re.sub(r"(?<![\w.])(\d+\.?\d*(?:e[+-]?\d+)?|inf|nan)", r"F('\1')", expr)
    expr = re.sub(r"\)\s*\(", ")*(", expr)  # 2(y − label), y(1 − y): a product
    with np.errstate(all="ignore"):
        return float(eval(expr, {"__builtins__": {}}, FUNCTIONS))  # noqa: S307 - our own text


def significant_digits(shown: str) -> int:
    mantissa = shown.lstrip("-").split("e")[0]
    return max(len(mantissa.replace(".", "").lstrip("0")), 1)


def arithmetic_lines(text: str) -> list[tuple[str, str, str]]:
    """(line, numbers, result) of every line whose numbers are plain numbers."""
    found = []
    for line in text.splitlines()[1:]:
        body = re.sub(r"  \((?:next|[^()]*)\)$", "", line[2:].rstrip())
        body = re.sub(r"  \([^()]*\)$", "", body)
        parts = body.split(" = ")
        if len(parts) < 4:
            continue  # not run yet (label = formula), or no numbers
        numbers, result = parts[-2], parts[-1]
        if ARITHMETIC.match(numbers) and re.fullmatch(NUMBER, result):
            found.append((line, numbers, result))
    return found


ACTIVATIONS = ("sigmoid", "relu", "leaky_relu", "tanh", "none")


@st.composite
def runs(draw) -> tuple[RunConfig, int, int, int]:
    hidden = tuple(draw(st.lists(st.sampled_from((1, 2, 3)), min_size=1, max_size=2)))
    config = RunConfig(
        dataset=draw(st.sampled_from(("xor", "linear"))),
        n=10,
        hidden=hidden,
        activations=tuple(draw(st.sampled_from(ACTIVATIONS)) for _ in range(len(hidden) + 1)),
        loss=draw(st.sampled_from(("sse", "mse", "bce", "bce_sum"))),
        optimizer=draw(st.sampled_from(("gd", "momentum", "nesterov", "adam"))),
        lr=draw(st.sampled_from((0.05, 0.5, 3.0))),
        batch_size=draw(st.sampled_from((None, 1, 3))),
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 9)),
    )
    epochs = draw(st.integers(0, 3))
    substeps = draw(st.integers(0, 40))
    sample = draw(st.integers(0, 20))
    return config, epochs, substeps, sample


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs())
def test_every_line_of_plain_numbers_checks_out_at_the_digits_shown(run) -> None:
    config, epochs, substeps, sample = run
    trainer = Trainer(config)
    for _ in range(epochs):
        trainer.train_epoch()
    for _ in range(substeps):
        trainer.next_substep()
    text = plain(snap.take(trainer, sample))
    lines = arithmetic_lines(text)
    # The output is one number, so once ∂L/∂y has been computed its line at least is arithmetic.
    done = trainer.cursor > trainer.tape.index("dL/dy")
    assert any("∂L/∂y = " in line for line, _n, _r in lines) or not done, text
    for line, numbers, result in lines:
        again = recompute(numbers)
        assert fmt.number(again, significant_digits(result)) == result, line


def test_the_lines_that_surprised_a_learner_now_check_out() -> None:
    """The issue's examples: σ then 2(y − label) at the lab default, and ReLU with biases."""
    trainer = Trainer()
    trainer.forward_pass()
    trainer.next_substep()  # ∂L/∂y
    text = plain(snap.take(trainer, 3))
    line = next(line for line in text.splitlines() if "∂L/∂y = 2(y − label)" in line)
    numbers, result = line.split(" = ")[-2:]
    assert result == "-0.02008"
    assert fmt.number(recompute(numbers), 4) == result  # 2(0.9900 − 1.000) gave -0.02000
    relu = Trainer(RunConfig(activations=("relu",), bias=True, dataset="linear"))
    relu.forward_pass()
    relu.next_substep()
    for sample in range(relu.tape.rows):
        for line, numbers, result in arithmetic_lines(plain(snap.take(relu, sample))):
            assert fmt.number(recompute(numbers), significant_digits(result)) == result, line


def test_summary_lines_are_told_apart_from_arithmetic() -> None:
    trainer = Trainer()
    trainer.train_step()
    text = plain(snap.take(trainer, 3))
    z1 = next(line for line in text.splitlines() if line[2:].startswith("Z1 = "))
    assert "‹2×32›" in z1 and not arithmetic_lines(z1 + "\n" + z1)
    assert "such lines summarise arrays" in text and "check out by hand" in text


def test_the_loss_line_says_what_l_is_and_the_per_sample_figure() -> None:
    """L is the objective over the batch; the per-sample figure is beside it (item 3)."""
    for loss, total in (("sse", "Σ"), ("mse", "mean"), ("bce", "−mean")):
        trainer = Trainer(RunConfig(loss=loss))
        trainer.forward_pass()
        text = plain(snap.take(trainer, 3))
        line = next(line for line in text.splitlines() if line[2:].startswith("L = "))
        values = trainer.tape.values
        objective = trainer.loss.objective(values["y"], values["label"])
        per_sample = trainer.tape.loss_value
        assert line[2:].startswith(f"L = {total}")
        assert f"= {fmt.number(objective)}  ({fmt.number(per_sample)} per sample)" in line, line


def test_updates_name_each_tensors_state_and_every_constant() -> None:
    """Item 6: V_W1 and V_b1 apart; Adam's m, v, m̂, v̂, β1, β2, ε and t on screen."""
    momentum = Trainer(RunConfig(optimizer="momentum", bias=True, hidden=(4,)))
    momentum.train_step()
    text = plain(snap.take(momentum, 0))
    assert "V_W1' = μ·V_W1 − lr * ∂L/∂W1" in text and "V_b1' = μ·V_b1 − lr * ∂L/∂b1" in text
    assert "with lr = 0.05, μ = 0.9" in text and "‖V_b1'‖" in text
    adam = Trainer(RunConfig(optimizer="adam", hidden=(4,), lr=0.001))
    adam.train_step()
    adam.train_step()
    text = plain(snap.take(adam, 0))
    assert "with lr = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-08, t = 2" in text
    assert "v_W1' = β2·v_W1 + (1 − β2)·(∂L/∂W1)²" in text
    assert "m̂ = m_W1'/(1 − β1^t)" in text and "v̂ = v_W1'/(1 − β2^t)" in text


def test_cross_entropy_after_a_sigmoid_shows_y_minus_label() -> None:
    """Item 7: ∂L/∂Z3 = (y − label)/N for the mean, (y − label) for the sum, with numbers."""
    for loss, simple in (("bce", "(y − label)/N"), ("bce_sum", "y − label")):
        trainer = Trainer(RunConfig(loss=loss))
        trainer.forward_pass()
        trainer.next_substep()
        trainer.next_substep()
        text = plain(snap.take(trainer, 3))
        line = next(line for line in text.splitlines() if "∂L/∂Z3 = " in line)
        assert f"σ(Z3)(1 − σ(Z3)) = {simple} = " in line
        y = trainer.tape.values["y"][3, 0]
        shown_y = float(re.search(NUMBER, line.split(" = ")[-2]).group())
        assert abs(shown_y - y) < 1e-4 * abs(y)  # the numbers are y and label themselves
    assert "y clipped to [1e-12, 1 − 1e-12]" in text
