"""The tape: every sub-step of one training step, named in the lab's notation.

A :class:`Tape` is compiled once per network and batch size. It owns
preallocated buffers for every intermediate (Z1, Z1Act, ..., ∂L/∂y, ∂L/∂Z3,
∂L/∂W3, ...) and an ordered list of sub-steps; each sub-step is a :class:`Step`
(its name, formula and operands) plus a closure that computes it into its
buffer. Stepping through runs the closures one at a time; bulk training runs
the same closures in a loop, so both give bit-identical numbers, and the
gradients the app shows are the very arrays the optimizer reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .losses import Loss
from .network import Network
from .optimizers import Optimizer

Array = np.ndarray

PHASES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class Step:
    """One sub-step: ``key`` names its result on the tape (ASCII, e.g. ``dL/dZ2``)."""

    key: str
    label: str  # how the derivation writes it, e.g. ∂L/∂Z2
    phase: str
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
    return "X" if layer == 1 else f"Z{layer - 1}Act"


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
        self.grads = np.zeros(network.n_params)
        self.values: dict[str, Array] = {
            "X": np.zeros((rows, sizes[0])),
            "label": np.zeros((rows, sizes[-1])),
        }
        self.values.update(network.views)
        for name, view in network.split(self.grads).items():
            self.values[f"dL/d{name}"] = view
        for i in range(1, depth + 1):
            shape = (rows, sizes[i])
            act = network.activations[i - 1]
            z = np.zeros(shape)
            self.values[f"Z{i}"] = z
            # With no activation A is Z itself: no copy, no multiply by 1.
            self.values[act_name(i, depth)] = z if act.is_identity else np.zeros(shape)
            self.values[self._derivative_key(i)] = np.ones(shape)
            self.values[f"dL/dZ{i}"] = np.zeros(shape)
            self.values[f"dL/d{act_name(i, depth)}"] = np.zeros(shape)
        self.values["residual"] = np.zeros((rows, sizes[-1]))
        self.steps: list[Step] = []
        self._ops: list[Callable[[], None]] = []
        self._compile()

    # -- compiling -------------------------------------------------------------

    def _derivative_key(self, i: int) -> str:
        return f"d{act_name(i, self.network.depth)}/dZ{i}"

    def _add(self, step: Step, op: Callable[[], None]) -> None:
        self.steps.append(step)
        self._ops.append(op)

    def _compile(self) -> None:
        net, v, depth = self.network, self.values, self.network.depth
        for i in range(1, depth + 1):
            self._add_forward(i)
        y, label, residual = v["y"], v["label"], v["residual"]

        def loss_op() -> None:
            self.loss_value = self.loss.forward(y, label, residual)

        self._add(
            Step("loss", "L", "loss", 0, self.loss.objective_formula, ("y", "label")), loss_op
        )
        dy = v["dL/dy"]
        self._add(
            Step("dL/dy", "∂L/∂y", "backward", depth, self.loss.formula, ("y", "label")),
            lambda: self.loss.backward(y, label, residual, dy),
        )
        for i in range(depth, 0, -1):
            self._add_backward(i)
        params, grads, opt = net.params, self.grads, self.optimizer
        self._add(
            Step(
                "update",
                "update",
                "update",
                0,
                "; ".join(opt.formula(s.name, f"∂L/∂{s.name}") for s in net.specs),
                tuple(s.name for s in net.specs) + tuple(f"dL/d{s.name}" for s in net.specs),
            ),
            lambda: opt.update(params, grads),
        )

    # np.dot rather than np.matmul (or @) throughout: the same BLAS call with less
    # overhead, which is most of the cost at these sizes.

    def _add_forward(self, i: int) -> None:
        v, net, depth = self.values, self.network, self.network.depth
        a_in, w, z = v[input_name(i)], v[f"W{i}"], v[f"Z{i}"]
        b = v.get(f"b{i}")
        if b is None:
            formula, operands = f"{input_name(i)} ■ W{i}", (input_name(i), f"W{i}")

            def z_op() -> None:
                np.dot(a_in, w, out=z)
        else:
            formula, operands = f"{input_name(i)} ■ W{i} + b{i}", (input_name(i), f"W{i}", f"b{i}")

            def z_op() -> None:
                np.dot(a_in, w, out=z)
                np.add(z, b, out=z)

        self._add(Step(f"Z{i}", f"Z{i}", "forward", i, formula, operands), z_op)
        act = net.activations[i - 1]
        name = act_name(i, depth)
        a = v[name]
        forward = act.forward
        scratch = np.zeros_like(z)  # private: the forward pass must not touch shown values
        step = Step(name, name, "forward", i, act.symbol.format(z=f"Z{i}"), (f"Z{i}",))
        self._add(step, (lambda: None) if act.is_identity else (lambda: forward(z, a, scratch)))

    def _add_backward(self, i: int) -> None:
        v, net, depth = self.values, self.network, self.network.depth
        act = net.activations[i - 1]
        out_name = act_name(i, depth)
        d_key = self._derivative_key(i)
        z, a, deriv = v[f"Z{i}"], v[out_name], v[d_key]
        d_act, d_z = v[f"dL/d{out_name}"], v[f"dL/dZ{i}"]
        derivative = act.derivative
        if act.is_identity:

            def dz_op() -> None:
                np.copyto(d_z, d_act)
        else:

            def dz_op() -> None:
                derivative(z, a, deriv, d_z)  # d_z is free until the multiply below
                np.multiply(d_act, deriv, out=d_z)

        self._add(
            Step(
                f"dL/dZ{i}",
                f"∂L/∂Z{i}",
                "backward",
                i,
                f"∂L/∂{out_name} · {act.derivative_symbol.format(z=f'Z{i}')}",
                (f"dL/d{out_name}", d_key),
            ),
            dz_op,
        )
        a_in, d_w = v[input_name(i)], v[f"dL/dW{i}"]
        a_in_t = a_in.T
        # With one row (per-sample SGD) Aᵀ ■ ∂L/∂Z is an outer product: a broadcast multiply
        # gives the same numbers (one product per entry, nothing summed) for a third of the cost.
        if self.rows == 1:

            def dw_op() -> None:
                np.multiply(a_in_t, d_z, out=d_w)
        else:

            def dw_op() -> None:
                np.dot(a_in_t, d_z, out=d_w)

        self._add(
            Step(
                f"dL/dW{i}",
                f"∂L/∂W{i}",
                "backward",
                i,
                f"({input_name(i)})ᵀ ■ ∂L/∂Z{i}",
                (input_name(i), f"dL/dZ{i}"),
            ),
            dw_op,
        )
        if net.bias:
            d_b = v[f"dL/db{i}"]
            self._add(
                Step(f"dL/db{i}", f"∂L/∂b{i}", "backward", i, f"Σ_rows ∂L/∂Z{i}", (f"dL/dZ{i}",)),
                lambda: np.sum(d_z, axis=0, out=d_b),
            )
        if i > 1:
            prev = act_name(i - 1, depth)
            w_t, d_prev = v[f"W{i}"].T, v[f"dL/d{prev}"]
            if net.sizes[i] == 1:  # one unit (the output): an outer product again

                def d_prev_op() -> None:
                    np.multiply(d_z, w_t, out=d_prev)
            else:

                def d_prev_op() -> None:
                    np.dot(d_z, w_t, out=d_prev)

            self._add(
                Step(
                    f"dL/d{prev}",
                    f"∂L/∂{prev}",
                    "backward",
                    i - 1,
                    f"∂L/∂Z{i} ■ W{i}ᵀ",
                    (f"dL/dZ{i}", f"W{i}"),
                ),
                d_prev_op,
            )

    # -- running -----------------------------------------------------------------

    def run(self, index: int) -> None:
        """Run sub-step ``index`` (0-based)."""
        self._ops[index]()

    def run_all(self) -> None:
        for op in self._ops:
            op()

    def load(self, x: Array, label: Array) -> None:
        self.values["X"][...] = x
        self.values["label"][...] = label

    def index(self, key: str) -> int:
        for i, step in enumerate(self.steps):
            if step.key == key:
                return i
        raise KeyError(key)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, key: str) -> Array:
        return self.values[key]
