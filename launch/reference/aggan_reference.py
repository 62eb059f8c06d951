#!/usr/bin/env python3
"""Trains the PyTorch expression of AGGAN's official TensorFlow model on an i2i dataset file,
for the quality comparison in the README (same configuration and steps as an i2i run).

    python3 launch/reference/aggan_reference.py --data seasons.h5 --config configs/demo-aggan.yaml \
        --steps 1500 [--threads 2] [--seed 0]

The loop is the one Sources/Models/AGGAN.swift implements (and main.py of the TF code runs):
four train ops per iteration, each on a fresh forward graph with the weights of the moment —
g_A with g_A_ae against d_B, d_B, g_B with g_B_ae against the updated d_B, d_A; LSGAN losses with
both λ-weighted cycle terms in each generator loss; pools of (fake, mask) pairs; a stage 1
(epoch < switch: τ = 0, instance norm in the discriminators, attention trained) and a stage 2
(τ = threshold, no norm in the discriminators, attention frozen); TF's Adam with one shared
step count that advances at every update; the rate constant for the first half of max_epochs,
then linear to 0. Translation composes the generator's output with the attention mask:
m ⊙ G(x) + (1 − m) ⊙ x. It prints the L1 and PSNR against the truth beside the identity
baseline, as `i2i translate` does.

Needs torch, h5py, numpy and PyYAML (Pillow for the exact resize); nothing in i2i's own build
or tests uses this script. The networks, initialisation and Adam are the PyTorch expression the
golden tests use (Tests/ModelsTests/Fixtures/make_model_fixtures.py), run here in float32.
"""
import argparse
import os
import random
import sys
import time

import h5py
import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "ModelsTests", "Fixtures"))
from make_model_fixtures import (AGGANAttention, AGGANDiscriminator, AGGANGenerator, TFAdam,  # noqa: E402
                                 init_tf)
from reference_common import TrainingStream, print_scores  # noqa: E402


class PairPool:
    """The image pool of (fake, mask) pairs: CycleGAN's rule, the mask travelling with its image."""

    def __init__(self, size, rng):
        self.size, self.items, self.rng = size, [], rng

    def query(self, images, masks):
        if self.size == 0:
            return images, masks
        out_i, out_m = [], []
        for img, m in zip(images.detach(), masks.detach()):
            img, m = img.unsqueeze(0), m.unsqueeze(0)
            if len(self.items) < self.size:
                self.items.append((img, m))
            elif self.rng.random() > 0.5:
                k = self.rng.randrange(self.size)
                self.items[k], (img, m) = (img, m), self.items[k]
            out_i.append(img)
            out_m.append(m)
        return torch.cat(out_i), torch.cat(out_m)


def compose(translated, source, mask):
    return translated * mask + source * (1 - mask)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    cfg = yaml.safe_load(open(a.config))
    if cfg.get("model", "aggan") != "aggan":
        raise SystemExit(f"{a.config} configures {cfg.get('model')}, not aggan")
    c, d, t = cfg.get("aggan", {}), cfg.get("data", {}), cfg.get("train", {})
    if c.get("attention_kernels", "official") != "official":
        raise SystemExit("only aggan.attention_kernels: official (1×1 tails, as the TF code runs) is expressed here")
    ngf, ndf, blocks = c.get("ngf", 32), c.get("ndf", 64), c.get("n_blocks", 9)
    lam_a, lam_b = c.get("lambda_a", 10.0), c.get("lambda_b", 10.0)
    base_lr, beta1, beta2 = c.get("base_lr", 1e-4), c.get("beta1", 0.5), c.get("beta2", 0.999)
    max_epochs, switch, threshold = c.get("max_epochs", 100), c.get("switch", 30), c.get("threshold", 0.1)
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)

    f = h5py.File(a.data, "r")
    data = TrainingStream(f, load, crop, flip, batch, a.seed)
    g_A, g_B = AGGANGenerator(ngf, blocks), AGGANGenerator(ngf, blocks)
    g_A_ae, g_B_ae = AGGANAttention(ngf), AGGANAttention(ngf)
    d_A, d_B = AGGANDiscriminator(ndf), AGGANDiscriminator(ndf)
    for net in (g_A, g_B, g_A_ae, g_B_ae, d_A, d_B):
        init_tf(net, c.get("init_stddev", 0.02))   # leaves float64 parameters
        net.float()
    opt = TFAdam(base_lr, beta1, beta2)
    pool_a = PairPool(c.get("pool_size", 50), random.Random(f"{a.seed}/pool.fake_A"))
    pool_b = PairPool(c.get("pool_size", 50), random.Random(f"{a.seed}/pool.fake_B"))
    half = max_epochs // 2

    def forward(ra, rb):
        m_a, m_b = g_A_ae(ra), g_B_ae(rb)
        fake_b, fake_a = compose(g_A(ra), ra, m_a), compose(g_B(rb), rb, m_b)
        cyc_a = compose(g_B(fake_b), fake_b, g_B_ae(fake_b))
        cyc_b = compose(g_A(fake_a), fake_a, g_A_ae(fake_a))
        return m_a, m_b, fake_a, fake_b, lam_a * (ra - cyc_a).abs().mean(), lam_b * (rb - cyc_b).abs().mean()

    def train_op(loss, params):
        # Stage 2 bypasses the discriminators' norms: no gradient, no update (TF drops None grads).
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        for q, g in zip(params, grads):
            q.grad = g
        opt.apply(params)
        for q in params:
            q.grad = None

    def d_loss(d, real, real_mask, fake, fake_mask, tau, donorm):
        loss_real = ((d(real, real_mask, tau, donorm) - 1) ** 2).mean()
        loss_fake = (d(fake, fake_mask, tau, donorm) ** 2).mean()
        return 0.5 * (loss_real + loss_fake)

    start = time.time()
    for step in range(a.steps):
        ra, rb, epoch = data.batch_at(step)
        stage2 = epoch >= switch
        tau, donorm = (threshold, False) if stage2 else (0.0, True)
        opt.lr = base_lr if epoch < half else base_lr - base_lr * (epoch - half) / half
        g_A_vars = list(g_A.parameters()) + ([] if stage2 else list(g_A_ae.parameters()))
        g_B_vars = list(g_B.parameters()) + ([] if stage2 else list(g_B_ae.parameters()))

        # g_A (+ g_A_ae) against d_B
        m_a, m_b, fake_a, fake_b, cyc_a, cyc_b = forward(ra, rb)
        loss_gA = cyc_a + cyc_b + ((d_B(fake_b, m_a, tau, donorm) - 1) ** 2).mean()
        train_op(loss_gA, g_A_vars)
        pooled_b, pooled_mb = pool_b.query(fake_b, m_a)
        # d_B: real b through g_B_ae's mask (unchanged by the g_A op)
        loss_dB = d_loss(d_B, rb, m_b.detach(), pooled_b, pooled_mb, tau, donorm)
        train_op(loss_dB, list(d_B.parameters()))
        # g_B (+ g_B_ae) against the updated d_B, with the updated g_A and g_A_ae in the cycle
        m_a, m_b, fake_a, fake_b, cyc_a, cyc_b = forward(ra, rb)
        loss_gB = cyc_b + cyc_a + ((d_A(fake_a, m_b, tau, donorm) - 1) ** 2).mean()
        train_op(loss_gB, g_B_vars)
        pooled_a, pooled_ma = pool_a.query(fake_a, m_b)
        # d_A: real a through the updated g_A_ae's mask
        loss_dA = d_loss(d_A, ra, m_a.detach(), pooled_a, pooled_ma, tau, donorm)
        train_op(loss_dA, list(d_A.parameters()))
        if (step + 1) % max(1, a.steps // 10) == 0:
            print(f"step {step + 1}/{a.steps} epoch {epoch} lr {opt.lr:.2e} stage {2 if stage2 else 1} "
                  f"g_A {loss_gA.item():.3f} d_B {loss_dB.item():.3f} g_B {loss_gB.item():.3f} "
                  f"d_A {loss_dA.item():.3f} {time.time() - start:.1f}s", flush=True)
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)

    def translator(g, att):
        return lambda x: compose(g(x), x, att(x))
    print_scores(f, {"testA": translator(g_A, g_A_ae), "testB": translator(g_B, g_B_ae)})


if __name__ == "__main__":
    main()
