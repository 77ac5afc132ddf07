"""Screenshots of the key screens at a fixed size and seed (pytest-textual-snapshot).

80x24 is the size SSH gives by default, so most of these are taken there. Nothing on these
screens depends on the clock: epochs/s only shows while training runs. Update after a
deliberate change with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from mlp import Trainer
from tui.app import BackpropApp

SMALL = (80, 24)


def test_formulas_after_a_forward_pass(snap_compare):
    assert snap_compare(BackpropApp(), press=["f"], terminal_size=(120, 40))


def test_small_terminal_after_several_substeps(snap_compare):
    # The sample header stays pinned while the list scrolls to ∂L/∂Z3.
    assert snap_compare(BackpropApp(), press=["n"] * 9, terminal_size=SMALL)


def test_settings_screen_at_80x24(snap_compare):
    assert snap_compare(BackpropApp(), press=["s"], terminal_size=SMALL)


def test_small_terminal_after_an_epoch_on_the_data_tab(snap_compare):
    # 80x24: Network and Formulas become tabs; Data is three tabs to the right.
    assert snap_compare(BackpropApp(), press=["e", "right", "right", "right"], terminal_size=SMALL)


def test_data_tab_without_colour_after_learning_xor(snap_compare, monkeypatch):
    # Shades and digits carry the boundary; the legend beside it says what they mean.
    monkeypatch.setenv("NO_COLOR", "1")
    trainer = Trainer()
    trainer.train(3000)
    press = ["right", "right", "right"]
    assert snap_compare(BackpropApp(trainer=trainer), press=press, terminal_size=SMALL)


def test_large_terminal_loss_after_epochs(snap_compare):
    # 160x48: Network and Formulas on the left, the loss curve (log scale) on the right.
    assert snap_compare(BackpropApp(), press=["e"] * 6, terminal_size=(160, 48))
