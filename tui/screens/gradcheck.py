"""The ``g`` screen: the tape's gradients against central finite differences, per tensor."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mlp.gradcheck import TOLERANCE, GradCheck

from .. import format as fmt


class GradcheckScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,g,q,enter", "dismiss", "Close")]

    def __init__(self, result: GradCheck, rows: int) -> None:
        super().__init__()
        self.result = result
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="gradcheck-body", classes="dialog"):
            yield Static(id="gradcheck-summary")
            yield DataTable(id="gradcheck-table", cursor_type="none", zebra_stripes=True)
            yield Static("Escape closes", classes="hint")

    def on_mount(self) -> None:
        result = self.result
        if not result.passed:
            verdict, style = "FAIL", "bold red"
        elif result.too_small:
            verdict, style = "no failure, some too small to check", "bold yellow"
        else:
            verdict, style = "PASS", "bold green"
        summary = Text()
        summary.append(f"Gradient check: {verdict}", style=style)
        summary.append(
            f"\nrelative error ‖analytic − numeric‖ / (‖analytic‖ + ‖numeric‖) per tensor, "
            f"on the current batch of {fmt.count(self.rows)}; passes below "
            f"{fmt.exact(TOLERANCE)}.",
        )
        if result.too_small:
            summary.append(
                f"\n{result.too_small_reason()}: check again before the network saturates "
                "(r resets it)."
            )
        self.query_one("#gradcheck-summary", Static).update(summary)
        table = self.query_one(DataTable)
        table.add_columns("tensor", "relative error", "‖∂L/∂·‖ (tape)", "")
        for tensor in result.tensors:
            if tensor.passed:
                mark = Text("pass", "green")
            else:
                mark = Text("too small") if tensor.too_small else Text("FAIL", "bold red")
            table.add_row(
                tensor.name,
                fmt.scientific(tensor.relative_error),
                fmt.number(tensor.analytic_norm),
                mark,
            )
