"""Settings that mean one thing: fields from RunConfig, one activation keeps the output sigmoid,
warnings as you type, and saving asks before it overwrites (issue 9, item 17; issue 13.5)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from screen_text import record_notifications

import mlp
from mlp import RunConfig
from tui import settings_form as form
from tui.app import BackpropApp
from tui.screens.settings import SettingsScreen

SIZE = (120, 40)


def test_the_form_takes_its_fields_kinds_and_defaults_from_runconfig() -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(RunConfig)}
    for field in form.fields():
        assert field.default == defaults[field.name]
    assert form.field("optimizer").choices == tuple(mlp.OPTIMIZERS)
    assert form.field("loss").choices == tuple(mlp.LOSSES)
    assert form.field("batch_size").kind == "optional int"
    assert form.field("lr").placeholder == "default 0.05"


@pytest.mark.parametrize(
    ("text", "depth", "layers"),
    [
        ("relu", 3, ("relu", "relu", "sigmoid")),
        ("none", 2, ("none", "sigmoid")),
        ("relu, relu, relu", 3, ("relu", "relu", "relu")),
        ("tanh relu sigmoid", 3, ("tanh", "relu", "sigmoid")),
    ],
)
def test_one_activation_is_the_hidden_layers_and_the_output_stays_sigmoid(
    text: str, depth: int, layers: tuple[str, ...]
) -> None:
    resolved = form.resolve_activations(text, depth)
    assert resolved == layers
    assert form.resolve_activations(form.activations_text(resolved), depth) == resolved


def test_a_wrong_number_of_activations_is_one_sentence() -> None:
    with pytest.raises(form.FormError, match="3 layers need one activation"):
        form.resolve_activations("relu, sigmoid", 3)
    with pytest.raises(form.FormError, match="unknown activation 'rleu'"):
        form.resolve_activations("rleu", 3)


async def _settings(pilot) -> SettingsScreen:
    await pilot.press("s")
    assert isinstance(pilot.app.screen, SettingsScreen)
    return pilot.app.screen


async def test_relu_in_settings_means_relu_hidden_layers_and_a_sigmoid_output():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _settings(pilot)
        screen.query_one("#activations").value = "relu"
        await pilot.pause()
        resolved = str(screen.query_one("#settings-resolved").render())
        assert "layers: 32 relu, 32 relu, 1 sigmoid" in resolved
        screen.query_one("#loss").value = "bce"
        screen.query_one("#activations").value = "relu, relu, relu"
        await pilot.pause()
        resolved = str(screen.query_one("#settings-resolved").render())
        assert "⚠ cross-entropy expects outputs in (0, 1)" in resolved
        screen.query_one("#activations").value = "relu"
        await pilot.press("ctrl+s")
        assert app.screen is app.main
        assert [a.name for a in app.trainer.network.activations] == ["relu", "relu", "sigmoid"]
        assert app.trainer.config.loss == "bce"


async def test_cross_entropy_without_a_sigmoid_output_warns_in_the_app():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        screen = await _settings(pilot)
        screen.query_one("#loss").value = "bce"
        screen.query_one("#activations").value = "relu, relu, relu"
        await pilot.press("ctrl+s")
        assert app.screen is app.main and app.trainer.config.activations[-1] == "relu"
        assert any(note.startswith("Cross-entropy expects outputs in (0, 1)") for note in notes)
        assert "⚠ cross-entropy expects" in app.main.query_one("#network-side").plain


async def test_ctrl_s_asks_before_overwriting_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "backprop-lab-run.npz"
    existing.write_bytes(b"an earlier run")
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "ctrl+s", "enter")
        assert "exists: Enter again overwrites it" in str(
            app.screen.query_one("#save-error").render()
        )
        assert existing.read_bytes() == b"an earlier run"
        await pilot.press("enter")
        assert app.screen is app.main
        assert np.array_equal(mlp.load(existing).network.params, app.trainer.network.params)
