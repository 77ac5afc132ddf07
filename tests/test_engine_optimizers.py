"""The update reads the gradients on the tape and applies each optimizer's textbook rule."""

from __future__ import annotations

import numpy as np
import pytest

from mlp import RunConfig, Trainer

BASE = RunConfig(dataset="linear", n=12, hidden=(5, 4), batch_size=4, seed=3, momentum=0.8)


def _to_update(trainer: Trainer) -> tuple[np.ndarray, np.ndarray]:
    """Step to just before the update; return copies of the params and the tape's grads."""
    trainer.backward_pass()
    assert trainer.next_step.key == "update"
    grads = np.concatenate(
        [trainer.tape.values[f"dL/d{s.name}"].reshape(-1) for s in trainer.network.specs]
    )
    return trainer.network.params.copy(), grads


class Reference:
    """Each rule written out the way a textbook (or PyTorch) states it."""

    def __init__(self, name: str, n: int, lr: float, momentum: float) -> None:
        self.name, self.lr, self.mu = name, lr, momentum
        self.buf = np.zeros(n)  # PyTorch's momentum buffer: buf = μ·buf + g
        self.m, self.v, self.t = np.zeros(n), np.zeros(n), 0

    def step(self, w: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.name == "gd":
            return w - self.lr * g
        if self.name == "momentum":
            self.buf = self.mu * self.buf + g
            return w - self.lr * self.buf
        if self.name == "nesterov":
            self.buf = self.mu * self.buf + g
            return w - self.lr * (g + self.mu * self.buf)
        b1, b2, eps = 0.9, 0.999, 1e-8
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * g
        self.v = b2 * self.v + (1 - b2) * g * g
        m_hat = self.m / (1 - b1**self.t)
        v_hat = self.v / (1 - b2**self.t)
        return w - self.lr * m_hat / (np.sqrt(v_hat) + eps)


def test_gradient_descent_subtracts_lr_times_the_tape_gradients_exactly() -> None:
    trainer = Trainer(BASE.replace(optimizer="gd", lr=0.3))
    for _ in range(5):
        params, grads = _to_update(trainer)
        assert np.abs(grads).max() > 0
        trainer.next_substep()
        assert np.array_equal(trainer.network.params, params - 0.3 * grads)


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov", "adam"])
def test_updates_follow_an_independent_reference(name) -> None:
    lr = 0.01 if name == "adam" else 0.2
    trainer = Trainer(BASE.replace(optimizer=name, lr=lr))
    reference = Reference(name, trainer.network.n_params, lr, 0.8)
    for _ in range(7):  # past an epoch boundary (3 batches per epoch)
        params, grads = _to_update(trainer)
        expected = reference.step(params, grads)
        trainer.next_substep()
        np.testing.assert_allclose(trainer.network.params, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_velocity_is_inspectable_and_is_the_step_taken(name) -> None:
    trainer = Trainer(BASE.replace(optimizer=name, lr=0.2))
    reference = Reference(name, trainer.network.n_params, 0.2, 0.8)
    for _ in range(3):
        params, grads = _to_update(trainer)
        reference.step(params, grads)
        trainer.next_substep()
    velocity = trainer.optimizer.state()["velocity"]
    # The lab writes V = μ·V − lr·∂L/∂W, i.e. −lr times PyTorch's buffer.
    np.testing.assert_allclose(velocity, -0.2 * reference.buf, rtol=1e-12)
    per_tensor = trainer.network.split(velocity)
    assert per_tensor["W1"].shape == trainer.network.weight(1).shape


def test_adam_moments_and_step_count_are_inspectable() -> None:
    trainer = Trainer(BASE.replace(optimizer="adam", lr=0.01))
    reference = Reference("adam", trainer.network.n_params, 0.01, 0.0)
    for _ in range(4):
        params, grads = _to_update(trainer)
        reference.step(params, grads)
        trainer.next_substep()
    state = trainer.optimizer.state()
    assert trainer.optimizer.steps == 4
    np.testing.assert_allclose(state["m"], reference.m, rtol=1e-12)
    np.testing.assert_allclose(state["v"], reference.v, rtol=1e-12)


def test_live_learning_rate_and_momentum_changes_take_effect() -> None:
    trainer = Trainer(BASE.replace(optimizer="momentum", lr=0.2))
    for lr, mu in [(0.2, 0.8), (0.05, 0.8), (0.05, 0.3)]:
        trainer.set_lr(lr)
        trainer.set_momentum(mu)
        params, grads = _to_update(trainer)
        velocity = trainer.optimizer.state()["velocity"].copy()
        trainer.next_substep()
        # The lab's form, V' = μ·V − lr·∂L/∂W, W' = W + V', with the new lr and μ.
        expected = params + (mu * velocity - lr * grads)
        np.testing.assert_allclose(trainer.network.params, expected, rtol=1e-12)
    assert trainer.config.lr == 0.05 and trainer.config.momentum == 0.3


def test_update_step_names_the_rule_and_its_operands() -> None:
    trainer = Trainer(RunConfig(optimizer="momentum"))
    update = trainer.steps[-1]
    assert update.key == "update" and update.phase == "update"
    assert {"W1", "W2", "W3", "dL/dW1", "dL/dW2", "dL/dW3"} <= set(update.operands)
    assert "μ" in update.formula and "∂L/∂W3" in update.formula
