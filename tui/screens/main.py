"""The trainer screen: status, Network and Formulas beside tabs with the loss, data and layers.

At 110 columns and wider the Network and Formulas panels stay on the left; narrower, they
become the first tabs. Below 80x24 everything gives way to a note asking for a larger
terminal. The screen only lays out and redraws (the app sets its snapshot through ``show``);
it tells the app what it needs with messages (a snapshot once laid out, the decision grid
while the Data tab shows).
"""

from __future__ import annotations

import dataclasses
import time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from .. import keymap
from ..check_view import CheckState
from ..messages import SnapshotWanted
from ..snapshot import Snapshot
from ..widgets.boundary import BoundaryView
from ..widgets.formulas import FormulasPanel
from ..widgets.layers import LayersPanel
from ..widgets.loss_plot import LossPlot
from ..widgets.network import NetworkPanel
from ..widgets.status import DivergenceBanner, StatusBar

MIN_WIDTH, MIN_HEIGHT = 80, 24
WIDE = 110  # from here on the Formulas panel gets its own column
PANELS = (FormulasPanel, NetworkPanel, LossPlot, BoundaryView, LayersPanel)


class TrainerScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings())
    AUTO_FOCUS = None  # nothing takes the keys: every binding works from the start

    ready = False  # composed and sized: snapshots can be drawn

    def __init__(self) -> None:
        super().__init__()
        self._drawn: dict[object, float] = {}
        self.snapshot: Snapshot | None = None
        self.check: CheckState | None = None  # a learner's check, laid over the Formulas
        self.wide: bool | None = None
        self._footer_tier: int | None = None

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
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#network-side").border_title = "Network"
        self.query_one("#formulas-side").border_title = "Formulas"
        self.query_one(BoundaryView).no_color = self.app.no_color
        self._apply_size(self.app.size.width, self.app.size.height)
        self.ready = True
        self.post_message(SnapshotWanted(self._grid_wanted()))

    # -- size -----------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._apply_size(event.size.width, event.size.height)
        tier = keymap.footer_tier(event.size.width)
        if tier != self._footer_tier:
            self._footer_tier = tier
            self.refresh_bindings()  # the footer shows more keys when there is room

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

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The screen's bindings, the footer showing only the keys that fit its width."""
        width = self.size.width
        active = super().active_bindings
        for key, bound in active.items():
            shown_from = keymap.footer_width(bound.binding.action)
            if shown_from is not None and width and width < shown_from:
                hidden = dataclasses.replace(bound.binding, show=False)
                active[key] = ActiveBinding(bound.node, hidden, bound.enabled, bound.tooltip)
        return active

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
            shown += [
                widget
                for widget in self.query_one(f"#{pane}", TabPane).query("*")
                if isinstance(widget, PANELS)
            ]
        return shown

    def show(self, snapshot: Snapshot) -> None:
        """Redraw the panels on view; while training runs, costly ones less often."""
        self.snapshot = snapshot
        now = time.monotonic()
        for panel in self.panels():
            if snapshot.running:
                interval = type(panel).running_redraw
                if now - self._drawn.get(panel, -1e9) < interval:
                    continue
            self._drawn[panel] = now
            if isinstance(panel, FormulasPanel):
                panel.check = self.check
            panel.show(snapshot)

    def show_check(self, check: CheckState) -> None:
        """A learner's check changed: redraw the Formulas panels on view."""
        self.check = check
        if self.snapshot is None or not self.ready:
            return
        for panel in self.panels():
            if isinstance(panel, FormulasPanel):
                panel.check = check
                panel.show(self.snapshot)

    @property
    def formulas_on_view(self) -> bool:
        return any(isinstance(panel, FormulasPanel) for panel in self.panels())

    def redraw(self) -> None:
        if self.snapshot is not None:
            self.show(dataclasses.replace(self.snapshot, running=False))

    def _grid_wanted(self) -> int | None:
        return self.query_one(BoundaryView).resolution if self.visible_tab == "data-pane" else None

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        grid = self._grid_wanted()
        if grid is not None and (self.snapshot is None or self.snapshot.grid is None):
            self.post_message(SnapshotWanted(grid))  # the grid is only computed for the Data tab
        else:
            if grid is None and self.snapshot is not None and self.snapshot.grid is not None:
                self.post_message(SnapshotWanted(None))  # stop computing it
            self.redraw()

    # -- view actions ---------------------------------------------------------------------

    def action_cycle_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        hidden = {"formulas-pane", "network-pane"} if self.wide else set()
        panes = [str(p.id) for p in tabs.query(TabPane) if p.id not in hidden]
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
