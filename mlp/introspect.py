"""Teaching signals read off the tape: gradient norms, dead and saturated units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tape import Tape, act_name

# A sigmoid unit whose σ(1−σ) stays below this for every sample passes almost no gradient.
SATURATION = 0.01


@dataclass(frozen=True)
class LayerHealth:
    layer: int
    activation: str
    units: int
    grad_norm: float  # ‖∂L/∂W_i‖
    weight_norm: float
    dead: int  # ReLU units with Z ≤ 0 for every sample in the batch
    saturated: int  # sigmoid/tanh units with derivative < SATURATION for every sample


def layer_health(tape: Tape) -> list[LayerHealth]:
    net, v = tape.network, tape.values
    out = []
    for i in range(1, net.depth + 1):
        act = net.activations[i - 1].name
        z = v[f"Z{i}"]
        dead = int(np.count_nonzero((z <= 0).all(axis=0))) if act == "relu" else 0
        saturated = 0
        if act in ("sigmoid", "tanh"):
            deriv = v[f"d{act_name(i, net.depth)}/dZ{i}"]
            saturated = int(np.count_nonzero((deriv < SATURATION).all(axis=0)))
        out.append(
            LayerHealth(
                i,
                act,
                net.sizes[i],
                float(np.linalg.norm(v[f"dL/dW{i}"])),
                float(np.linalg.norm(v[f"W{i}"])),
                dead,
                saturated,
            )
        )
    return out
