"""Screenshots of the key screens at a fixed size and seed (pytest-textual-snapshot).

Nothing on these screens depends on the clock: epochs/s shows a dash unless training runs.
Update after a deliberate change with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from tui.app import BackpropApp

SIZE = (120, 40)


def test_start_screen(snap_compare):
    assert snap_compare(BackpropApp(), terminal_size=SIZE)


def test_formulas_after_a_forward_pass(snap_compare):
    assert snap_compare(BackpropApp(), press=["f"], terminal_size=SIZE)


def test_settings_screen(snap_compare):
    assert snap_compare(BackpropApp(), press=["s"], terminal_size=SIZE)


def test_small_terminal_after_an_epoch_on_the_data_tab(snap_compare):
    # 80x24: Network and Formulas become tabs; Data is two tabs to the right.
    assert snap_compare(
        BackpropApp(), press=["e", "right", "right", "right"], terminal_size=(80, 24)
    )
