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
        self._sources: list[str] = []
        self._names: dict[int, str] = {}
        self._objects: list[object] = []
        self._compile()
        # One pass but the update as a single straight-line function (see _function).
        self._body = self._function(self._sources[:-1])

    # -- compiling -------------------------------------------------------------
    #
    # Each sub-step is a few lines of Python over the tape's buffers, e.g.
    # "{dot}({a}, {w}, out={z})". Stepping runs one sub-step's lines; bulk training
    # runs the lines of every sub-step pasted into one function. Either way the same
    # numpy calls run in the same order, so the numbers are bit for bit the same, but
    # the bulk path saves a Python call per sub-step and every global lookup.

    def _derivative_key(self, i: int) -> str:
        return f"d{act_name(i, self.network.depth)}/dZ{i}"

    def _name(self, obj: object) -> str:
        key = id(obj)
        if key not in self._names:
            self._names[key] = f"_{len(self._objects)}"
            self._objects.append(obj)  # kept alive, so its id stays its own
        return self._names[key]

    def _function(self, sources: list[str]) -> Callable[[], None]:
        lines = [line for source in sources for line in source.splitlines()] or ["pass"]
        params = ", ".join(self._names[id(obj)] for obj in self._objects)
        body = "\n".join(f"        {line}" for line in lines)
        namespace: dict[str, object] = {}
        exec(f"def factory({params}):\n    def run():\n{body}\n    return run\n", namespace)
        return namespace["factory"](*self._objects)  # type: ignore[operator]

    def _add(self, step: Step, template: str, **objects: object) -> None:
        source = template.format(**{key: self._name(obj) for key, obj in objects.items()})
        self.steps.append(step)
        self._sources.append(source)
        self._ops.append(self._function([source]))

    def _compile(self) -> None:
        net, v, depth = self.network, self.values, self.network.depth
        for i in range(1, depth + 1):
            self._add_forward(i)
        y, label, residual = v["y"], v["label"], v["residual"]
        self._add(
            Step("loss", "L", "loss", 0, self.loss.objective_formula, ("y", "label")),
            "{tape}.loss_value = {forward}({y}, {label}, {residual})",
            tape=self,
            forward=self.loss.forward,
            y=y,
            label=label,
            residual=residual,
        )
        self._add(
            Step("dL/dy", "∂L/∂y", "backward", depth, self.loss.formula, ("y", "label")),
            "{backward}({y}, {label}, {residual}, {dy})",
            backward=self.loss.backward,
            y=y,
            label=label,
            residual=residual,
            dy=v["dL/dy"],
        )
        for i in range(depth, 0, -1):
            self._add_backward(i)
        opt = self.optimizer
        self._add(
            Step(
                "update",
                "update",
                "update",
                0,
                "; ".join(opt.formula(s.name, f"∂L/∂{s.name}") for s in net.specs),
                tuple(s.name for s in net.specs) + tuple(f"dL/d{s.name}" for s in net.specs),
            ),
            "{update}({params}, {grads})",
            update=opt.update,
            params=net.params,
            grads=self.grads,
        )

    # np.dot rather than np.matmul (or @) throughout: the same BLAS call with less
    # overhead, which is most of the cost at these sizes.

    def _add_forward(self, i: int) -> None:
        v, net, depth = self.values, self.network, self.network.depth
        a_in, w, z = v[input_name(i)], v[f"W{i}"], v[f"Z{i}"]
        b = v.get(f"b{i}")
        if b is None:
            formula, operands = f"{input_name(i)} ■ W{i}", (input_name(i), f"W{i}")
            template = "{dot}({a_in}, {w}, out={z})"
        else:
            formula, operands = f"{input_name(i)} ■ W{i} + b{i}", (input_name(i), f"W{i}", f"b{i}")
            template = "{dot}({a_in}, {w}, out={z})\n{add}({z}, {b}, out={z})"
        self._add(
            Step(f"Z{i}", f"Z{i}", "forward", i, formula, operands),
            template,
            dot=np.dot,
            add=np.add,
            a_in=a_in,
            w=w,
            z=z,
            b=b,
        )
        act = net.activations[i - 1]
        name = act_name(i, depth)
        step = Step(name, name, "forward", i, act.symbol.format(z=f"Z{i}"), (f"Z{i}",))
        if act.is_identity:
            self._add(step, "pass")  # A is Z itself
        else:
            # The scratch buffer is private: the forward pass must not touch shown values.
            self._add(
                step,
                "{forward}({z}, {a}, {scratch})",
                forward=act.forward,
                z=z,
                a=v[name],
                scratch=np.zeros_like(z),
            )

    def _add_backward(self, i: int) -> None:
        v, net, depth = self.values, self.network, self.network.depth
        act = net.activations[i - 1]
        out_name = act_name(i, depth)
        d_key = self._derivative_key(i)
        if act.is_identity:
            template = "{copyto}({d_z}, {d_act})"
        else:
            # d_z is free until the multiply, so the derivative may use it as scratch.
            template = (
                "{derivative}({z}, {a}, {deriv}, {d_z})\n{multiply}({d_act}, {deriv}, out={d_z})"
            )
        self._add(
            Step(
                f"dL/dZ{i}",
                f"∂L/∂Z{i}",
                "backward",
                i,
                f"∂L/∂{out_name} · {act.derivative_symbol.format(z=f'Z{i}')}",
                (f"dL/d{out_name}", d_key),
            ),
            template,
            copyto=np.copyto,
            derivative=act.derivative,
            multiply=np.multiply,
            z=v[f"Z{i}"],
            a=v[out_name],
            deriv=v[d_key],
            d_z=v[f"dL/dZ{i}"],
            d_act=v[f"dL/d{out_name}"],
        )
        d_z = v[f"dL/dZ{i}"]
        # With one row (per-sample SGD) Aᵀ ■ ∂L/∂Z is an outer product: a broadcast multiply
        # gives the same numbers (one product per entry, nothing summed) for a third of the cost.
        self._add(
            Step(
                f"dL/dW{i}",
                f"∂L/∂W{i}",
                "backward",
                i,
                f"({input_name(i)})ᵀ ■ ∂L/∂Z{i}",
                (input_name(i), f"dL/dZ{i}"),
            ),
            "{product}({a_in_t}, {d_z}, out={d_w})",
            product=np.multiply if self.rows == 1 else np.dot,
            a_in_t=v[input_name(i)].T,
            d_z=d_z,
            d_w=v[f"dL/dW{i}"],
        )
        if net.bias:
            self._add(
                Step(f"dL/db{i}", f"∂L/∂b{i}", "backward", i, f"Σ_rows ∂L/∂Z{i}", (f"dL/dZ{i}",)),
                "{sum}({d_z}, axis=0, out={d_b})",
                sum=np.sum,
                d_z=d_z,
                d_b=v[f"dL/db{i}"],
            )
        if i > 1:
            prev = act_name(i - 1, depth)
            self._add(
                Step(
                    f"dL/d{prev}",
                    f"∂L/∂{prev}",
                    "backward",
                    i - 1,
                    f"∂L/∂Z{i} ■ W{i}ᵀ",
                    (f"dL/dZ{i}", f"W{i}"),
                ),
                "{product}({d_z}, {w_t}, out={d_prev})",
                # One unit (the output) makes this an outer product again; a broadcast
                # multiply beats BLAS only for a single row.
                product=np.multiply if net.sizes[i] == 1 and self.rows == 1 else np.dot,
                d_z=d_z,
                w_t=v[f"W{i}"].T,
                d_prev=v[f"dL/d{prev}"],
            )

    # -- running -----------------------------------------------------------------

    def run(self, index: int) -> None:
        """Run sub-step ``index`` (0-based)."""
        self._ops[index]()

    def run_all(self) -> None:
        for op in self._ops:
            op()

    def run_pass_body(self) -> None:
        """Every sub-step but the update, as one call (bulk training)."""
        self._body()

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
