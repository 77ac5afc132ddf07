"""Teaching signals read off the tape: gradient norms, dead and saturated units.

The one place they are computed: the app's panels and the lessons read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .tape import Tape, derivative_name

Mask = npt.NDArray[np.bool_]

# A sigmoid unit whose σ(1−σ) stays below this for every sample passes almost no gradient.
SATURATION = 0.01


@dataclass(frozen=True)
class LayerHealth:
    layer: int
    activation: str
    units: int
    grad_norm: float  # ‖∂L/∂W_i‖
    weight_norm: float
    dead_units: Mask  # (units,): ReLU unit with Z ≤ 0 for every sample in the batch
    saturated_units: Mask  # (units,): sigmoid/tanh unit with f'(Z) < SATURATION for all

    @property
    def dead(self) -> int:
        """How many units are dead (ReLU layers only; 0 elsewhere)."""
        return int(np.count_nonzero(self.dead_units))

    @property
    def saturated(self) -> int:
        """How many units are saturated (sigmoid and tanh layers only; 0 elsewhere)."""
        return int(np.count_nonzero(self.saturated_units))


def dead_units(tape: Tape, layer: int) -> Mask:
    """Per unit of ``layer``: a ReLU that is off (Z ≤ 0) for every sample of the batch."""
    z = tape.values[f"Z{layer}"]
    if tape.network.activations[layer - 1].name != "relu":
        return np.zeros(z.shape[1], dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.asarray((z <= 0).all(axis=0))


def saturated_units(tape: Tape, layer: int) -> Mask:
    """Per unit of ``layer``: a sigmoid or tanh whose derivative is below SATURATION for
    every sample of the batch, so almost no gradient passes through it."""
    net = tape.network
    deriv = tape.values[derivative_name(layer, net.depth)]
    if net.activations[layer - 1].name not in ("sigmoid", "tanh"):
        return np.zeros(deriv.shape[1], dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.asarray((deriv < SATURATION).all(axis=0))


def layer_health(tape: Tape) -> list[LayerHealth]:
    net, v = tape.network, tape.values
    out = []
    with np.errstate(all="ignore"):  # a diverged run's norms are inf or NaN, and say so
        for i in range(1, net.depth + 1):
            out.append(
                LayerHealth(
                    i,
                    net.activations[i - 1].name,
                    net.sizes[i],
                    float(np.linalg.norm(v[f"dL/dW{i}"])),
                    float(np.linalg.norm(v[f"W{i}"])),
                    dead_units(tape, i),
                    saturated_units(tape, i),
                )
            )
    return out
