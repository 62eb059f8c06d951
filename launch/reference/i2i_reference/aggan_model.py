# AGGAN's training iteration in PyTorch, as AlamiMejjati/Unsupervised-Attention-guided-Image-
# to-Image-Translation `main.py` (with `losses.py`) runs it and i2i implements it
# (Sources/Models/AGGAN.swift): four train ops per iteration, each on a fresh forward graph
# with the weights of the moment and each updating its own variables only —
#   g_A with g_A_ae against d_B, then d_B, then g_B with g_B_ae against the updated d_B (with
#   the updated g_A and g_A_ae in the cycle), then d_A;
# LSGAN losses, both λ-weighted cycle terms in each generator loss, image pools of (fake, mask)
# pairs, TF's Adam with one shared step count (tf_adam.py). Stage 1 (epoch < switch): τ = 0,
# instance norm in the discriminators, attention trained; stage 2: τ = threshold, no norm in the
# discriminators, attention frozen. Translation composes the generator's output with the
# attention mask: m ⊙ G(x) + (1 − m) ⊙ x. The learning rate is constant for the first half of
# max_epochs, then linear to 0.
import random

import torch

from .aggan_layers import TFInstanceNorm, init_tf
from .aggan_networks import AGGANAttention, AGGANDiscriminator, AGGANGenerator
from .image_pool import ImagePool
from .tf_adam import TFAdam


def compose(translated, source, mask):
    return translated * mask + source * (1 - mask)


def learning_rate(base_lr, epoch, max_epochs):
    """main.py's rate for `epoch` (from 0): base_lr for the first half, then linear to 0."""
    half = max_epochs // 2
    return base_lr if epoch < half else base_lr - base_lr * (epoch - half) / half


def build_networks(ngf=32, ndf=64, n_blocks=9, init_stddev=0.02, discriminator_stddev=None, dtype=torch.float32,
                   fused_norm=False):
    """g_A, g_B, g_A_ae, g_B_ae, d_A, d_B, built in that order, then each converted to `dtype`
    and given TF's initialisation in that order (torch's global generator). `fused_norm`: the
    instance norms run as torch's fused kernel (see TFInstanceNorm)."""
    nets = {"g_A": AGGANGenerator(ngf, n_blocks), "g_B": AGGANGenerator(ngf, n_blocks),
            "g_A_ae": AGGANAttention(ngf), "g_B_ae": AGGANAttention(ngf),
            "d_A": AGGANDiscriminator(ndf), "d_B": AGGANDiscriminator(ndf)}
    for net in nets.values():
        net.to(dtype)
        is_d = isinstance(net, AGGANDiscriminator)
        init_tf(net, discriminator_stddev if is_d and discriminator_stddev is not None else init_stddev)
        for m in net.modules():
            if isinstance(m, TFInstanceNorm):
                m.fused = fused_norm
    return nets


class AGGAN:
    """The six networks (a dict from build_networks), the shared TF Adam, the pools and
    `iteration`. `opt.lr` is the learning rate of the next updates."""

    def __init__(self, nets, lr=1e-4, beta1=0.5, beta2=0.999, lambda_a=10.0, lambda_b=10.0, pool_size=50,
                 pool_rngs=(random, random)):
        self.nets = nets
        self.g_A, self.g_B, self.g_A_ae, self.g_B_ae, self.d_A, self.d_B = (
            nets[k] for k in ("g_A", "g_B", "g_A_ae", "g_B_ae", "d_A", "d_B"))
        self.lambda_a, self.lambda_b = lambda_a, lambda_b
        self.opt = TFAdam(lr, beta1, beta2)
        self.pool_A, self.pool_B = ImagePool(pool_size, pool_rngs[0]), ImagePool(pool_size, pool_rngs[1])

    def translator(self, direction):
        """x ↦ m ⊙ G(x) + (1 − m) ⊙ x for 'a2b' (g_A, g_A_ae) or 'b2a' (g_B, g_B_ae)."""
        g, att = (self.g_A, self.g_A_ae) if direction == "a2b" else (self.g_B, self.g_B_ae)
        return lambda x: compose(g(x), x, att(x))

    def forward(self, a, b):
        """Masks, fakes and the λ-weighted cycle losses with the current weights."""
        m_a, m_b = self.g_A_ae(a), self.g_B_ae(b)
        fake_b, fake_a = compose(self.g_A(a), a, m_a), compose(self.g_B(b), b, m_b)
        cyc_a = compose(self.g_B(fake_b), fake_b, self.g_B_ae(fake_b))
        cyc_b = compose(self.g_A(fake_a), fake_a, self.g_A_ae(fake_a))
        return (m_a, m_b, fake_a, fake_b, self.lambda_a * (a - cyc_a).abs().mean(),
                self.lambda_b * (b - cyc_b).abs().mean())

    def train_op(self, loss, params):
        """Gradients of `loss` for `params` only, then one Adam update of them. Returns
        {id(p): gradient}; a parameter the loss does not reach (a bypassed norm in stage 2)
        gets zeros there and no update (TF drops None gradients)."""
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        for p, g in zip(params, grads):
            p.grad = g
        self.opt.apply(params)
        for p in params:
            p.grad = None
        return {id(p): (g if g is not None else torch.zeros_like(p)) for p, g in zip(params, grads)}

    def discriminator_loss(self, d, real, real_mask, fake, fake_mask, tau, donorm):
        """(½·(real + fake), real, fake): LSGAN against 1 for real and 0 for fake."""
        loss_real = ((d(real, real_mask, tau, donorm) - 1) ** 2).mean()
        loss_fake = (d(fake, fake_mask, tau, donorm) ** 2).mean()
        return 0.5 * (loss_real + loss_fake), loss_real, loss_fake

    def iteration(self, a, b, stage2=False, tau=0.0):
        """The four train ops on batch (a, b); `tau` is the stage-2 threshold (ignored in stage
        1). Returns (losses, grads): every loss term under i2i's names, and {id(p): gradient}
        of every parameter a train op updated, each taken by its op after the previous ops'
        updates."""
        tau, donorm = (tau, False) if stage2 else (0.0, True)
        g_A_vars = list(self.g_A.parameters()) + ([] if stage2 else list(self.g_A_ae.parameters()))
        g_B_vars = list(self.g_B.parameters()) + ([] if stage2 else list(self.g_B_ae.parameters()))
        losses, grads = {}, {}
        # g_A (+ g_A_ae) against d_B
        m_a, m_b, fake_a, fake_b, cyc_a, cyc_b = self.forward(a, b)
        gan = ((self.d_B(fake_b, m_a, tau, donorm) - 1) ** 2).mean()
        g_A = cyc_a + cyc_b + gan
        losses.update(g_A=g_A, g_A_gan=gan, g_A_cycle_a=cyc_a, g_A_cycle_b=cyc_b)
        grads.update(self.train_op(g_A, g_A_vars))
        pooled_b, pooled_mask = self.pool_B.query(fake_b, m_a)
        # d_B: real b through g_B_ae's mask (unchanged by the g_A op)
        d_B, real, fake = self.discriminator_loss(self.d_B, b, m_b.detach(), pooled_b, pooled_mask, tau, donorm)
        losses.update(d_B=d_B, d_B_real=real, d_B_fake=fake)
        grads.update(self.train_op(d_B, list(self.d_B.parameters())))
        # g_B (+ g_B_ae) against the updated d_B, with the updated g_A and g_A_ae in the cycle
        m_a, m_b, fake_a, fake_b, cyc_a, cyc_b = self.forward(a, b)
        gan = ((self.d_A(fake_a, m_b, tau, donorm) - 1) ** 2).mean()
        g_B = cyc_b + cyc_a + gan
        losses.update(g_B=g_B, g_B_gan=gan, g_B_cycle_a=cyc_a, g_B_cycle_b=cyc_b)
        grads.update(self.train_op(g_B, g_B_vars))
        pooled_a, pooled_mask = self.pool_A.query(fake_a, m_b)
        # d_A: real a through the updated g_A_ae's mask
        d_A, real, fake = self.discriminator_loss(self.d_A, a, m_a.detach(), pooled_a, pooled_mask, tau, donorm)
        losses.update(d_A=d_A, d_A_real=real, d_A_fake=fake)
        grads.update(self.train_op(d_A, list(self.d_A.parameters())))
        return losses, grads
