"""What the lesson screen's live side draws, as plain functions: the loss chart says its scale
and does not dress a stuck loss up as a descent; matrix rows fit their width; every number is
the formatter's, bounded even after a divergence (issue 9, items 5, 11 and 14)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lessons.loader import find
from mlp import RunConfig, Trainer
from tui import format as fmt
from tui.lesson_view import loss_chart, pass_text, run_text, take

EPOCHS = np.arange(1, 1001, dtype=float)


def test_a_loss_stuck_to_a_hundred_millionth_is_drawn_flat_and_says_so():
    rng = np.random.default_rng(0)
    stuck = 0.5238 + 1e-8 * rng.standard_normal(1000)
    chart = loss_chart(EPOCHS, stuck, 30)
    assert chart.flat and "flat" in chart.caption
    assert chart.rows == ["─" * 23 + " 0.5238"]
    # The same shape ten thousand times larger is a real change, drawn with its scale.
    moving = 0.5238 + 1e-4 * np.linspace(1, -1, 1000)
    drawn = loss_chart(EPOCHS, moving, 30)
    assert not drawn.flat and drawn.caption == "loss, epochs 1-1,000, linear scale"
    assert drawn.rows[0].endswith(" 0.5239") and drawn.rows[-1].endswith(" 0.5237")


def test_the_chart_names_its_scale_and_labels_its_top_and_bottom_with_the_extremes():
    falling = np.geomspace(0.5, 0.001, 1000)
    chart = loss_chart(EPOCHS, falling, 30, height=3)
    assert chart.caption == "loss, epochs 1-1,000, log scale"
    assert chart.rows[0].endswith(" 0.5000") and chart.rows[-1].endswith(" 0.001000")
    assert len(chart.rows) == 3 and all(len(row) <= 30 for row in chart.rows)
    # A narrow range gets as many digits as it takes for top and bottom to differ.
    close = np.linspace(0.52384, 0.52376, 1000)
    chart = loss_chart(EPOCHS, close, 30)
    assert "linear scale" in chart.caption
    assert chart.rows[0].endswith(" 0.52384") and chart.rows[-1].endswith(" 0.52376")


def test_a_spike_one_epoch_long_still_shows():
    losses = np.full(1000, 0.1)
    losses[500] = 10.0
    bars = loss_chart(EPOCHS, losses, 30, height=2).rows
    top = bars[0].rsplit(" ", 1)[0]  # the bars, without the label at their end
    assert top.count("█") == 1 and set(top) <= {" ", "█"}


def test_no_epoch_yet_and_non_finite_losses():
    assert loss_chart(np.zeros(0), np.zeros(0), 30).caption == "loss: no epoch trained yet"
    chart = loss_chart(EPOCHS[:3], np.array([0.5, np.inf, 0.25]), 30)
    assert chart.caption == "loss, epochs 1-3, linear scale"


def test_matrix_rows_fit_the_width_and_mark_the_selected_sample():
    trainer = Trainer(RunConfig(dataset="linear", hidden=(128, 128)))
    trainer.next_substep()  # Z1: 100×128
    for width in (24, 31, 40, 80):
        view = take(trainer, 41, None, preview_rows=3)
        lines = pass_text(view, width).plain.splitlines()
        rows = [line for line in lines if re.match(r"^[ ▶]\s*\d+ ", line)]
        assert all(len(row) <= width and row.endswith(" …") for row in rows), width
        assert [row.split()[0] for row in rows] == ["1", "2", "3", "▶42"]
        z1 = trainer.tape.values["Z1"]
        assert rows[-1].split()[1] == fmt.number(z1[41, 0])


def test_the_selected_samples_numbers_are_its_own_and_y_shows_once_computed():
    trainer = Trainer(RunConfig())
    for _ in range(5):
        trainer.next_substep()  # up to Z3
    values = trainer.tape.values
    text = pass_text(take(trainer, 3, None), 40).plain
    assert "sample 4 of 21" in text and "x (0.1000, 0.9000), label 1" in text
    assert f"Z3 = {fmt.number(values['Z3'][3, 0])} for sample 4" in text
    assert "y = " not in text  # not computed in this pass yet
    trainer.forward_pass()  # y, then the loss
    text = pass_text(take(trainer, 3, None), 40).plain
    assert f"y = {fmt.number(values['y'][3, 0])} for sample 4" in text


@pytest.mark.parametrize("step", [1])  # no-activation, step 2: lr 0.05 overflows
def test_after_a_divergence_every_number_is_bounded(step):
    lesson = find("no-activation")
    trainer = Trainer(lesson.step_config(step))
    result = trainer.train(2000)
    assert result.diverged
    trainer.previous_substep()
    trainer.previous_substep()  # back into the pass, where the matrices hold the huge values
    view = take(trainer, 3, lesson.steps[step].check)
    shown = run_text(view).plain + "\n" + pass_text(view, 31).plain
    numbers = re.findall(r"-?[\d.]+(?:e[+-]\d+)?|inf|nan", shown)
    assert numbers and max(len(n) for n in numbers) <= 12
    assert "diverged" in shown
