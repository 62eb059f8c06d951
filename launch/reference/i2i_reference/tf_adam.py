# tf.train.AdamOptimizer as AGGAN's TensorFlow code uses it (AlamiMejjati/Unsupervised-
# Attention-guided-Image-to-Image-Translation `main.py`: one optimizer object whose minimize()
# builds all four train ops), in PyTorch. Moments per parameter; one step count t (the
# β-powers) shared by every train op and advanced at every update; eps added to √v before the
# bias correction (i2i, Sources/Models/AGGAN.swift: one Adam per train op in this epsilon form,
# each step count set to the largest of the four before an update):
#   lr_t = lr · √(1 − β2^t) / (1 − β1^t),  p ← p − lr_t · m / (√v + eps).
import torch


class TFAdam:
    def __init__(self, lr, beta1=0.5, beta2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, beta1, beta2, eps, 0
        self.m, self.v = {}, {}

    @torch.no_grad()
    def apply(self, params):
        """One update of `params` from their .grad (a parameter without one is left alone, as TF
        drops None gradients)."""
        self.t += 1
        lr_t = self.lr * (1 - self.b2 ** self.t) ** 0.5 / (1 - self.b1 ** self.t)
        for p in params:
            if p.grad is None:
                continue
            m = self.m.setdefault(id(p), torch.zeros_like(p))
            v = self.v.setdefault(id(p), torch.zeros_like(p))
            m += (p.grad - m) * (1 - self.b1)
            v += (p.grad * p.grad - v) * (1 - self.b2)
            p -= lr_t * m / (v.sqrt() + self.eps)
