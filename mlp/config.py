"""One validated description of a run, built by the CLI, the app and the lessons alike."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from . import budget
from .errors import ConfigError
from .names import INITS, OPTIMIZERS

__all__ = ["ConfigError", "RunConfig"]


@dataclass(frozen=True)
class RunConfig:
    """The lab default: XOR easy, 2-32-32-1, sigmoid everywhere, lr 0.05, plain GD."""

    dataset: str = "xor"
    n: int = 100
    noise: float = 0.05
    hidden: tuple[int, ...] = (32, 32)
    activations: tuple[str, ...] = ("sigmoid",)
    lr: float = 0.05
    optimizer: str = "gd"
    momentum: float = 0.9
    batch_size: int | None = None  # None: full batch, 1: per-sample SGD
    loss: str = "sse"
    bias: bool = False
    init: str = "normal"
    seed: int = 0
    epochs: int = 10000
    target_loss: float | None = None
    shuffle: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Normalise so that equal runs compare equal and one name fans out to all layers.
        hidden = tuple(int(h) for h in self.hidden)
        acts = tuple(a.strip().lower() for a in self.activations)
        if len(acts) == 1:
            acts = acts * (len(hidden) + 1)
        object.__setattr__(self, "hidden", hidden)
        object.__setattr__(self, "activations", acts)
        object.__setattr__(self, "optimizer", self.optimizer.strip().lower())
        object.__setattr__(self, "loss", self.loss.strip().lower())

    @property
    def sizes(self) -> tuple[int, ...]:
        return (2, *self.hidden, 1)

    def validated(self) -> RunConfig:
        """Return self, or raise ConfigError naming the first bad setting."""
        try:
            return self._validated()
        except TypeError as exc:  # e.g. lr="fast" from a settings file
            raise ConfigError(f"bad setting: {exc}") from None

    def _validated(self) -> RunConfig:
        # Imported here, not at the top: reading the defaults (--help) needs no numpy.
        from .activations import get_activation
        from .losses import get_loss
        from .optimizers import ALIASES as OPTIMIZER_ALIASES

        if any(h < 1 for h in self.hidden):
            raise ConfigError(f"hidden layer sizes must be at least 1, got {list(self.hidden)}")
        if len(self.activations) != len(self.hidden) + 1:
            raise ConfigError(
                f"{len(self.hidden) + 1} layers need {len(self.hidden) + 1} activations "
                f"(or one for all), got {len(self.activations)}: {', '.join(self.activations)}"
            )
        for name in self.activations:
            _check(get_activation, name)
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"the learning rate must be a positive number, got {self.lr}")
        if self.optimizer not in OPTIMIZERS and self.optimizer not in OPTIMIZER_ALIASES:
            raise ConfigError(
                f"unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}"
            )
        if not (0.0 <= self.momentum < 1.0):
            raise ConfigError(f"momentum must be in [0, 1), got {self.momentum}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ConfigError(f"the batch size must be at least 1, got {self.batch_size}")
        _check(get_loss, self.loss)
        if self.init not in INITS:
            raise ConfigError(f"unknown init {self.init!r}: choose one of {', '.join(INITS)}")
        if self.epochs < 0:
            raise ConfigError(f"epochs must be 0 or more, got {self.epochs}")
        if self.n < 1:
            raise ConfigError(f"the number of points must be at least 1, got {self.n}")
        if not (0.0 <= self.noise <= 1.0):
            raise ConfigError(f"noise must be in [0, 1], got {self.noise}")
        if self.seed < 0:
            raise ConfigError(f"the seed must be 0 or more, got {self.seed}")
        if self.target_loss is not None and not self.target_loss >= 0:
            raise ConfigError(f"the target loss must be 0 or more, got {self.target_loss}")
        budget.check(self)  # depth and memory, before anything is allocated
        return self

    def warnings(self) -> list[str]:
        """Settings that are valid but likely a mistake, one sentence each (the app and the
        command line both show these)."""
        from .losses import get_loss  # numpy only when a run is built, not for --help

        found: list[str] = []
        if get_loss(self.loss).kind == "bce" and self.activations[-1] != "sigmoid":
            found.append(
                f"cross-entropy expects outputs in (0, 1), from a sigmoid output layer; this "
                f"output is {self.activations[-1]}, so y is clipped to [1e-12, 1 − 1e-12] and "
                f"the loss means little"
            )
        return found

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with ``changes``; one activation for all layers stays one for all when the
        depth changes (sigmoid everywhere on 2-32-32-1 is sigmoid everywhere on 2-8-1)."""
        if "hidden" in changes and "activations" not in changes and len(set(self.activations)) == 1:
            changes["activations"] = self.activations[:1]
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["hidden"] = list(self.hidden)
        data["activations"] = list(self.activations)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        known = {f.name for f in fields(cls)} - {"extra"}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        try:
            for key in ("hidden", "activations"):
                if key in values:
                    values[key] = tuple(values[key])
            return cls(**values)
        except (TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"bad setting: {exc}") from None

    def describe(self) -> str:
        """e.g. 2-32-32-1 sigmoid/sigmoid/sigmoid, gd lr 0.05, sse."""
        arch = "-".join(str(s) for s in self.sizes)
        return f"{arch} {'/'.join(self.activations)}, {self.optimizer} lr {self.lr:g}, {self.loss}"


def _check(lookup: Any, name: str) -> None:
    try:
        lookup(name)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
