"""The lab's Network class as the lab report's template writes it: the reference that
``mlp.lab`` is tested against (tests/test_engine_lab_api.py) and that the engine's speed is
measured against (bench/train_speed.py). Kept as a student writes it: fresh arrays on every
line, the sigmoid recomputed inside its derivative."""

from __future__ import annotations

import numpy as np


class LabTemplate:
    def __init__(self, w1, w2, w3, lr, act_funcs) -> None:
        self.W1, self.W2, self.W3 = w1.copy(), w2.copy(), w3.copy()
        self.lr = lr
        self.actFuncs = act_funcs

    @classmethod
    def drawn(cls, input_size=2, hidden_size=32, output_size=1, lr=1e-3, act_funcs=None):
        """Weights drawn as the template draws them, from numpy's global random state."""
        w1 = np.random.normal(0, 1, (input_size, hidden_size))
        w2 = np.random.normal(0, 1, (hidden_size, hidden_size))
        w3 = np.random.normal(0, 1, (hidden_size, output_size))
        return cls(w1, w2, w3, lr, act_funcs or ["sigmoid", "sigmoid", "sigmoid"])

    def activateFunv(self, input, func="sigmoid"):
        if func == "sigmoid":
            return 1 / (1 + np.exp(-input))
        if func == "relu":
            return np.maximum(0, input)
        return input

    def derivative_activateFunv(self, input, func="sigmoid"):
        if func == "sigmoid":
            x = self.activateFunv(input, func="sigmoid")
            return np.multiply(x, 1.0 - x)
        if func == "relu":
            return (input > 0).astype(float)
        return np.ones_like(input)

    def forwardPass(self, x):
        self.x = x
        self.Z1 = x @ self.W1
        self.Z1Act = self.activateFunv(self.Z1, self.actFuncs[0])
        self.Z2 = self.Z1Act @ self.W2
        self.Z2Act = self.activateFunv(self.Z2, self.actFuncs[1])
        self.Z3 = self.Z2Act @ self.W3
        return self.activateFunv(self.Z3, self.actFuncs[2])

    def computeMSELoss(self, pred, label):
        self.GradLoss = 2 * (pred - label)
        return np.mean((pred - label) ** 2)

    def Backpropagation(self):
        x = self.x
        grad_LossAct = self.derivative_activateFunv(self.Z3, func=self.actFuncs[2]) * self.GradLoss
        grad_W3 = self.Z2Act.T @ grad_LossAct
        grad_Z2Act = grad_LossAct @ self.W3.T
        grad_Z2 = self.derivative_activateFunv(self.Z2, func=self.actFuncs[1]) * grad_Z2Act
        grad_W2 = self.Z1Act.T @ grad_Z2
        grad_Z1Act = grad_Z2 @ self.W2.T
        grad_Z1 = self.derivative_activateFunv(self.Z1, func=self.actFuncs[0]) * grad_Z1Act
        grad_W1 = x.T @ grad_Z1

        self.W3 -= self.lr * grad_W3
        self.W2 -= self.lr * grad_W2
        self.W1 -= self.lr * grad_W1
