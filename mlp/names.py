"""The names a run's settings can take, importable without numpy.

The command line's ``--help`` lists them and must answer at once, before numpy loads. The
registries that implement them (``activations.ACTIVATIONS``, ``losses.LOSSES``,
``optimizers.OPTIMIZERS``, ``network.INITS``, ``datasets.NAMES``) hold the same names in the
same order; ``tests/test_engine_names.py`` keeps them equal.
"""

from __future__ import annotations

ACTIVATIONS = ("sigmoid", "relu", "leaky_relu", "tanh", "none")
LOSSES = ("sse", "mse", "bce", "bce_sum")
OPTIMIZERS = ("gd", "momentum", "nesterov", "adam")
INITS = ("normal", "xavier", "he")
DATASETS = ("linear", "xor", "circle", "spiral", "gauss", "chessboard")
