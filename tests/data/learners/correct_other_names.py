"""A correct lab implementation in another style: its own names (dy, delta3, dW2, a list of
activations), the learning rate kept as self.learning_rate, σ written with tanh and its
derivative recomputed from Z, and W3's gradient used inline without a name. The check must
find every value by shape and value, and W3's gradient from W3's change."""

import numpy as np


def act(z, name):
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    return z


def act_prime(z, name):
    if name == "sigmoid":
        s = act(z, name)
        return s - s * s
    if name == "relu":
        return np.heaviside(z, 0.0)
    return np.ones_like(z)


class TwoHiddenLayerNet:
    def __init__(self, input_size, hidden_size, output_size, lr, actFuncs):
        rng = np.random.default_rng(1)
        self.W1 = rng.standard_normal((input_size, hidden_size))
        self.W2 = rng.standard_normal((hidden_size, hidden_size))
        self.W3 = rng.standard_normal((hidden_size, output_size))
        self.learning_rate = lr
        self.acts = list(actFuncs)

    def forwardPass(self, x):
        self.inputs = x
        self.zs = [x @ self.W1]
        self.A = [act(self.zs[0], self.acts[0])]
        self.zs.append(self.A[0] @ self.W2)
        self.A.append(act(self.zs[1], self.acts[1]))
        self.zs.append(self.A[1] @ self.W3)
        return act(self.zs[2], self.acts[2])

    def computeMSELoss(self, pred, label):
        self.dy = (pred - label) * 2.0
        return float(np.sum((pred - label) ** 2) / pred.size)

    def Backpropagation(self):
        delta3 = self.dy * act_prime(self.zs[2], self.acts[2])
        back2 = np.dot(delta3, self.W3.T)
        delta2 = back2 * act_prime(self.zs[1], self.acts[1])
        dW2 = np.dot(self.A[0].T, delta2)
        back1 = np.dot(delta2, self.W2.T)
        delta1 = back1 * act_prime(self.zs[0], self.acts[0])
        dW1 = np.dot(self.inputs.T, delta1)
        self.W3 = self.W3 - self.learning_rate * (self.A[1].T @ delta3)
        self.W2 = self.W2 - self.learning_rate * dW2
        self.W1 = self.W1 - self.learning_rate * dW1
