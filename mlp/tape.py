"""The tape: every sub-step of one training step, written as the lab report derives it.

A :class:`Tape` is built once per network and batch size. It owns a preallocated buffer
for every value of one pass (Z1, Z1Act, ..., y, ∂L/∂y, ∂L/∂Z3, ∂L/∂W3, ...) and the pass
itself as an ordered list of sub-steps. Each sub-step is a :class:`SubStep` (its name and
formula, which the app shows) and a small function that computes it into its buffer,
written under the formula it computes, for example (``dot`` is numpy's ``np.dot``)::

    # Z_i = A_{i−1} ■ W_i
    dot(A_prev, W, out=Z)

Stepping through runs these functions one at a time; bulk training runs the very same
functions in the same order, so both give the same numbers bit for bit, and the gradients
the app shows are the arrays the optimizer reads.

The notation is the lab report's (section 2.C): ■ is the matrix product, · the entrywise
product. A_i is layer i's output, which the lab report calls Z_iAct (and y for the last
layer); A_0 is the input X. The code names each buffer after the symbol it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy import add, copyto, dot, multiply

from .losses import Loss
from .network import Array, Network
from .optimizers import Optimizer

PHASES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class SubStep:
    """One sub-step of a pass: ``key`` names its result on the tape (ASCII, e.g. ``dL/dZ2``)."""

    key: str
    label: str  # how the derivation writes it, e.g. ∂L/∂Z2
    phase: str  # one of PHASES
    layer: int  # 1-based; 0 for the loss and the update
    formula: str  # the right-hand side in the lab's notation (■ matrix, · entrywise)
    operands: tuple[str, ...]  # tape keys of the arrays the formula reads

    @property
    def equation(self) -> str:
        return f"{self.label} = {self.formula}"


def act_name(layer: int, depth: int) -> str:
    """The lab's name for a layer's output: Z1Act, Z2Act, ..., y for the last."""
    return "y" if layer == depth else f"Z{layer}Act"


def input_name(layer: int) -> str:
    """The lab's name for a layer's input: X for the first, then Z1Act, Z2Act, ..."""
    return "X" if layer == 1 else f"Z{layer - 1}Act"


def derivative_name(layer: int, depth: int) -> str:
    """The tape key of f'(Z_i), the activation's derivative: dZ1Act/dZ1, ..., dy/dZ3."""
    return f"d{act_name(layer, depth)}/dZ{layer}"


def pretty(key: str) -> str:
    """dL/dZ2 -> ∂L/∂Z2."""
    if key.startswith("d") and "/d" in key:
        top, bottom = key.split("/d", 1)
        return f"∂{top[1:]}/∂{bottom}"
    return key


class Tape:
    """Buffers and sub-steps for one network, loss, optimizer and batch size."""

    def __init__(self, network: Network, loss: Loss, optimizer: Optimizer, rows: int) -> None:
        self.network, self.loss, self.optimizer, self.rows = network, loss, optimizer, rows
        sizes, depth = network.sizes, network.depth
        self.loss_value = float("nan")
        self.grads: Array = np.zeros(network.n_params)
        self.values: dict[str, Array] = {
            "X": np.zeros((rows, sizes[0])),
            "label": np.zeros((rows, sizes[-1])),
        }
        self.values.update(network.views)
        for name, view in network.split(self.grads).items():
            self.values[f"dL/d{name}"] = view
        for i in range(1, depth + 1):
            shape = (rows, sizes[i])
            z = np.zeros(shape)
            self.values[f"Z{i}"] = z
            # With no activation A is Z itself: no copy, no multiply by 1.
            identity = network.activations[i - 1].is_identity
            self.values[act_name(i, depth)] = z if identity else np.zeros(shape)
            self.values[derivative_name(i, depth)] = np.ones(shape)
            self.values[f"dL/dZ{i}"] = np.zeros(shape)
            self.values[f"dL/d{act_name(i, depth)}"] = np.zeros(shape)
        self.values["residual"] = np.zeros((rows, sizes[-1]))

        # The pass, in the lab report's order: forward layer by layer, the loss, backward
        # from the output layer down, then the update.
        self.steps: list[SubStep] = []
        self._runs: list[Callable[[], None]] = []
        for i in range(1, depth + 1):
            self._add_forward(i)
        self._add_loss()
        for i in range(depth, 0, -1):
            self._add_backward(i)
        self._add_update()
        self._pass_body = tuple(self._runs[:-1])
        # The last sub-step, the optimizer's update, called directly by bulk training.
        self.run_update: Callable[[], None] = self._runs[-1]
        self._X, self._label = self.values["X"], self.values["label"]

    def _add(self, step: SubStep, run: Callable[[], None]) -> None:
        self.steps.append(step)
        self._runs.append(run)

    # `dot` is np.dot, the matrix product ■: the same BLAS call as np.matmul or @ with less
    # overhead, which is most of the cost at these sizes. numpy's functions go by their bare
    # names (imported at the top) because a sub-step runs millions of times and `np.` costs a
    # second lookup on every call.

    # -- forward: Z_i = A_{i−1} ■ W_i (+ b_i), then A_i = f(Z_i) ----------------------------

    def _add_forward(self, i: int) -> None:
        v, depth = self.values, self.network.depth
        A_prev, W, Z = v[input_name(i)], v[f"W{i}"], v[f"Z{i}"]
        b = v.get(f"b{i}")
        if b is None:

            def z_i() -> None:
                # Z_i = A_{i−1} ■ W_i
                dot(A_prev, W, out=Z)

            formula = f"{input_name(i)} ■ W{i}"
            operands: tuple[str, ...] = (input_name(i), f"W{i}")
        else:

            def z_i() -> None:
                # Z_i = A_{i−1} ■ W_i + b_i   (b_i added to every row)
                dot(A_prev, W, out=Z)
                add(Z, b, out=Z)

            formula = f"{input_name(i)} ■ W{i} + b{i}"
            operands = (input_name(i), f"W{i}", f"b{i}")
        self._add(SubStep(f"Z{i}", f"Z{i}", "forward", i, formula, operands), z_i)

        act = self.network.activations[i - 1]
        name = act_name(i, depth)
        A = v[name]
        if act.is_identity:

            def a_i() -> None:
                pass  # A_i = Z_i: with no activation they are one buffer, nothing to do

        else:
            f = act.forward
            scratch = np.zeros_like(Z)  # f's own: the forward pass never touches shown values

            def a_i() -> None:
                # A_i = f(Z_i), e.g. σ(Z_i) = 1 / (1 + e^(−Z_i))
                f(Z, A, scratch)

        symbol = act.symbol.format(z=f"Z{i}")
        self._add(SubStep(name, name, "forward", i, symbol, (f"Z{i}",)), a_i)

    # -- the loss: L, then ∂L/∂y ------------------------------------------------------------

    def _add_loss(self) -> None:
        v, loss, depth = self.values, self.loss, self.network.depth
        y, label, residual, dL_dy = v["y"], v["label"], v["residual"], v["dL/dy"]
        forward, backward = loss.forward, loss.backward

        def loss_of_y() -> None:
            # L = Σ (y − label)²  (or the chosen loss); keeps y − label in `residual`
            self.loss_value = forward(y, label, residual)

        def dL_dy_of_y() -> None:
            # ∂L/∂y = 2(y − label)  (or the chosen loss's gradient), from `residual`
            backward(y, label, residual, dL_dy)

        self._add(
            SubStep("loss", "L", "loss", 0, loss.objective_formula, ("y", "label")), loss_of_y
        )
        self._add(
            SubStep("dL/dy", "∂L/∂y", "backward", depth, loss.formula, ("y", "label")),
            dL_dy_of_y,
        )

    # -- backward through layer i: ∂L/∂Z_i, ∂L/∂W_i (∂L/∂b_i), then ∂L/∂A_{i−1} ---------------

    def _add_backward(self, i: int) -> None:
        self._add_dL_dZ(i)
        self._add_dL_dW(i)
        if self.network.bias:
            self._add_dL_db(i)
        if i > 1:  # nothing to pass below the input
            self._add_dL_dA_prev(i)

    def _add_dL_dZ(self, i: int) -> None:
        v, depth = self.values, self.network.depth
        out = act_name(i, depth)
        Z, A, dA_dZ = v[f"Z{i}"], v[out], v[derivative_name(i, depth)]
        dL_dA, dL_dZ = v[f"dL/d{out}"], v[f"dL/dZ{i}"]
        act = self.network.activations[i - 1]
        if act.is_identity:

            def dL_dZ_i() -> None:
                # ∂L/∂Z_i = ∂L/∂A_i · 1
                copyto(dL_dZ, dL_dA)

        else:
            f_prime = act.derivative

            def dL_dZ_i() -> None:
                # ∂L/∂Z_i = ∂L/∂A_i · f'(Z_i), e.g. f'(Z_i) = σ(Z_i)(1 − σ(Z_i)) = A_i(1 − A_i)
                f_prime(Z, A, dA_dZ, dL_dZ)  # dL_dZ is free until the next line: scratch
                multiply(dL_dA, dA_dZ, out=dL_dZ)

        formula = f"∂L/∂{out} · {act.derivative_symbol.format(z=f'Z{i}')}"
        operands = (f"dL/d{out}", derivative_name(i, depth))
        self._add(SubStep(f"dL/dZ{i}", f"∂L/∂Z{i}", "backward", i, formula, operands), dL_dZ_i)

    def _add_dL_dW(self, i: int) -> None:
        v, prev = self.values, input_name(i)
        A_prev_T, dL_dZ, dL_dW = v[prev].T, v[f"dL/dZ{i}"], v[f"dL/dW{i}"]
        if self.rows == 1:

            def dL_dW_i() -> None:
                # ∂L/∂W_i = (A_{i−1})ᵀ ■ ∂L/∂Z_i: with one row an outer product, which a
                # broadcast multiply gives with the same numbers (nothing is summed)
                # for a third of the cost.
                multiply(A_prev_T, dL_dZ, out=dL_dW)

        else:

            def dL_dW_i() -> None:
                # ∂L/∂W_i = (A_{i−1})ᵀ ■ ∂L/∂Z_i
                dot(A_prev_T, dL_dZ, out=dL_dW)

        formula, operands = f"({prev})ᵀ ■ ∂L/∂Z{i}", (prev, f"dL/dZ{i}")
        self._add(SubStep(f"dL/dW{i}", f"∂L/∂W{i}", "backward", i, formula, operands), dL_dW_i)

    def _add_dL_db(self, i: int) -> None:
        dL_dZ, dL_db = self.values[f"dL/dZ{i}"], self.values[f"dL/db{i}"]

        def dL_db_i() -> None:
            # ∂L/∂b_i = Σ_rows ∂L/∂Z_i
            np.sum(dL_dZ, axis=0, out=dL_db)

        formula, operands = f"Σ_rows ∂L/∂Z{i}", (f"dL/dZ{i}",)
        self._add(SubStep(f"dL/db{i}", f"∂L/∂b{i}", "backward", i, formula, operands), dL_db_i)

    def _add_dL_dA_prev(self, i: int) -> None:
        v, prev = self.values, input_name(i)
        dL_dZ, W_T, dL_dA_prev = v[f"dL/dZ{i}"], v[f"W{i}"].T, v[f"dL/d{prev}"]
        if self.network.sizes[i] == 1 and self.rows == 1:

            def dL_dA_prev_i() -> None:
                # ∂L/∂A_{i−1} = ∂L/∂Z_i ■ W_iᵀ: one row and one unit make an outer product
                multiply(dL_dZ, W_T, out=dL_dA_prev)

        else:

            def dL_dA_prev_i() -> None:
                # ∂L/∂A_{i−1} = ∂L/∂Z_i ■ W_iᵀ
                dot(dL_dZ, W_T, out=dL_dA_prev)

        formula, operands = f"∂L/∂Z{i} ■ W{i}ᵀ", (f"dL/dZ{i}", f"W{i}")
        step = SubStep(f"dL/d{prev}", f"∂L/∂{prev}", "backward", i - 1, formula, operands)
        self._add(step, dL_dA_prev_i)

    # -- the update --------------------------------------------------------------------------

    def _add_update(self) -> None:
        net, optimizer = self.network, self.optimizer
        params, grads, update = net.params, self.grads, optimizer.update

        def update_all() -> None:
            # W_i' = W_i − lr * ∂L/∂W_i for every W_i and b_i at once (they share one flat
            # vector), or the chosen optimizer's rule
            update(params, grads)

        self._add(
            SubStep(
                "update",
                "update",
                "update",
                0,
                "; ".join(optimizer.formula(s.name, f"∂L/∂{s.name}") for s in net.specs),
                tuple(s.name for s in net.specs) + tuple(f"dL/d{s.name}" for s in net.specs),
            ),
            update_all,
        )

    # -- running -----------------------------------------------------------------------------

    def run(self, index: int) -> None:
        """Run sub-step ``index`` (0-based)."""
        self._runs[index]()

    def run_all(self) -> None:
        """One whole pass: every sub-step, the update last."""
        for run in self._runs:
            run()

    def run_pass_body(self) -> None:
        """Every sub-step but the update (bulk training checks the loss in between)."""
        for run in self._pass_body:
            run()

    def load(self, x: Array, label: Array) -> None:
        """Copy a batch into X and label."""
        self._X[...] = x  # faster than np.copyto for a few rows
        self._label[...] = label

    def index(self, key: str) -> int:
        for i, step in enumerate(self.steps):
            if step.key == key:
                return i
        raise KeyError(key)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, key: str) -> Array:
        return self.values[key]
