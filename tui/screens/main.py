"""The trainer screen: status, Network and Formulas beside tabs with the loss, data and layers.

At 110 columns and wider the Network and Formulas panels stay on the left; narrower, they
become the first tabs. Below 80x24 everything gives way to a note asking for a larger
terminal. The screen only lays out and redraws; the app owns the trainer and its actions.
"""

from __future__ import annotations

import time

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from ..snapshot import Snapshot
from ..widgets.boundary import BoundaryView
from ..widgets.formulas import FormulasPanel
from ..widgets.layers import LayersPanel
from ..widgets.loss_plot import LossPlot
from ..widgets.network import NetworkPanel
from ..widgets.status import DivergenceBanner, StatusBar

MIN_WIDTH, MIN_HEIGHT = 80, 24
WIDE = 110  # from here on the Formulas panel gets its own column
# Seconds between redraws while training runs: the GIL the UI holds is taken from training.
RUNNING_REDRAW = {
    "FormulasPanel": 0.2,
    "NetworkPanel": 0.25,
    "LossPlot": 0.25,
    "BoundaryView": 0.25,
    "LayersPanel": 0.5,
}

BINDINGS = [
    Binding("n", "app.next_substep", "Next"),
    Binding("p", "app.previous_substep", "Prev"),
    Binding("f", "app.forward_pass", "Fwd"),
    Binding("b", "app.backward_pass", "Bwd"),
    Binding("e", "app.epoch", "Epoch"),
    Binding("space", "app.toggle_run", "Run/Pause", priority=True),
    Binding("plus,equals_sign", "app.speed(1)", "Faster", key_display="+"),
    Binding("minus", "app.speed(-1)", "Slower", key_display="-"),
    Binding("r", "app.reset", "Reset"),
    Binding("up", "app.select_sample(-1)", "Sample ↑", show=False, priority=True),
    Binding("down", "app.select_sample(1)", "Sample ↓", show=False, priority=True),
    Binding("left", "cycle_tab(-1)", "Tab ←", show=False, priority=True),
    Binding("right", "cycle_tab(1)", "Tab →", show=False, priority=True),
    Binding("s", "app.settings", "Settings"),
    Binding("g", "app.gradcheck", "Gradcheck"),
    Binding("o", "toggle_log", "Log scale", show=False),
    Binding("t", "toggle_truth", "Truth/pred", show=False),
    Binding("ctrl+s", "app.save", "Save", show=False),
    Binding("l", "app.open_lessons", "Lessons"),
    Binding("question_mark", "app.help", "Help", key_display="?"),
    Binding("q", "app.quit", "Quit"),
]


class TrainerScreen(Screen):
    BINDINGS = BINDINGS
    AUTO_FOCUS = None  # nothing takes the keys: every binding works from the start

    ready = False  # composed and sized: snapshots can be drawn

    def __init__(self) -> None:
        super().__init__()
        self._drawn: dict[object, float] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        yield DivergenceBanner(id="banner")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield NetworkPanel(id="network-side", classes="panel")
                yield FormulasPanel(id="formulas-side", classes="panel")
            with TabbedContent(id="tabs"):
                with TabPane("Formulas", id="formulas-pane"):
                    yield FormulasPanel(id="formulas-tab")
                with TabPane("Network", id="network-pane"):
                    yield NetworkPanel(id="network-tab")
                with TabPane("Loss", id="loss-pane"):
                    yield LossPlot(id="loss")
                with TabPane("Data", id="data-pane"):
                    yield BoundaryView(id="boundary")
                with TabPane("Layers", id="layers-pane"):
                    yield LayersPanel(id="layers")
        yield Static(id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#network-side").border_title = "Network"
        self.query_one("#formulas-side").border_title = "Formulas"
        self.wide: bool | None = None
        self._apply_size(self.app.size.width, self.app.size.height)
        self.ready = True
        self.app.refresh_view()

    # -- size -----------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(small, "too-small")
        if small:
            self.query_one("#too-small", Static).update(
                f"Make the terminal larger: backprop-lab needs {MIN_WIDTH}x{MIN_HEIGHT}, "
                f"this one is {width}x{height}."
            )
        wide = width >= WIDE
        if wide == self.wide:
            return
        self.wide = wide
        self.set_class(not wide, "narrow")
        tabs = self.query_one(TabbedContent)
        for pane in ("formulas-pane", "network-pane"):
            (tabs.hide_tab if wide else tabs.show_tab)(pane)
        if wide and tabs.active in ("formulas-pane", "network-pane", ""):
            tabs.active = "loss-pane"
        elif not wide:
            tabs.active = "formulas-pane"
        self.redraw()

    # -- drawing --------------------------------------------------------------------------

    @property
    def visible_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def panels(self) -> list:
        """The panels on view now: only these are redrawn (hidden tabs wait until shown)."""
        shown: list = [self.query_one(StatusBar), self.query_one(DivergenceBanner)]
        if self.wide:
            shown += [self.query_one("#network-side"), self.query_one("#formulas-side")]
        pane = self.visible_tab
        if pane:
            shown += list(
                self.query_one(f"#{pane}", TabPane).query(
                    "FormulasPanel, NetworkPanel, LossPlot, BoundaryView, LayersPanel"
                )
            )
        return shown

    def show(self, snapshot: Snapshot) -> None:
        """Redraw the panels on view; while training runs, costly ones less often."""
        now = time.monotonic()
        for panel in self.panels():
            if snapshot.running:
                interval = RUNNING_REDRAW.get(type(panel).__name__, 0.0)
                if now - self._drawn.get(panel, -1e9) < interval:
                    continue
            self._drawn[panel] = now
            panel.show(snapshot)

    def redraw(self) -> None:
        snapshot = getattr(self.app, "snapshot", None)
        if snapshot is not None:
            self.show(snapshot)

    @property
    def wants_grid(self) -> bool:
        return self.visible_tab == "data-pane"

    @property
    def grid_resolution(self) -> int:
        return self.query_one(BoundaryView).resolution

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        if self.wants_grid:
            self.app.refresh_view()  # the grid is only computed while the Data tab shows
        else:
            self.redraw()

    # -- view actions ---------------------------------------------------------------------

    def action_cycle_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        hidden = {"formulas-pane", "network-pane"} if self.wide else set()
        panes = [p.id for p in tabs.query(TabPane) if p.id not in hidden]
        index = panes.index(tabs.active) if tabs.active in panes else 0
        tabs.active = panes[(index + step) % len(panes)]

    def action_toggle_log(self) -> None:
        self.query_one(LossPlot).toggle_log()
        scale = "log" if self.query_one(LossPlot).log_scale else "linear"
        self.notify(f"Loss curve: {scale} scale")

    def action_toggle_truth(self) -> None:
        boundary = self.query_one(BoundaryView)
        boundary.toggle_truth()
        self.notify("Data: " + ("ground truth" if boundary.truth else "prediction"))
