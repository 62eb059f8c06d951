#!/usr/bin/env python3
"""Trains the PyTorch expression of AGGAN's official TensorFlow model on an i2i dataset file,
for the quality comparison in the README (same configuration and steps as an i2i run).

    python3 launch/reference/aggan_reference.py --data seasons.h5 --config configs/demo-aggan.yaml \
        --steps 1500 [--threads 2] [--seed 0]

The loop is i2i_reference/aggan_model.py, the one Sources/Models/AGGAN.swift implements (and
main.py of the TF code runs): four train ops per iteration, each on a fresh forward graph with
the weights of the moment — g_A with g_A_ae against d_B, d_B, g_B with g_B_ae against the
updated d_B, d_A; LSGAN losses with both λ-weighted cycle terms in each generator loss; pools
of (fake, mask) pairs; a stage 1 (epoch < switch: τ = 0, instance norm in the discriminators,
attention trained) and a stage 2 (τ = threshold, no norm in the discriminators, attention
frozen); TF's Adam with one shared step count that advances at every update; the rate constant
for the first half of max_epochs, then linear to 0. Translation composes the generator's output
with the attention mask: m ⊙ G(x) + (1 − m) ⊙ x. It prints the L1 and PSNR against the truth
beside the identity baseline, as `i2i translate` does.

Needs torch, h5py, numpy and PyYAML (Pillow for the exact resize); nothing in i2i's own build
or tests uses this script. The networks, initialisation and Adam are the PyTorch expression the
golden tests use (Tests/ModelsTests/Fixtures/make_fixtures.py), run here in float32 with the
instance norm written out as there.
"""
import argparse
import random
import time

import h5py
import torch
import yaml

from i2i_reference.aggan_model import AGGAN, build_networks, learning_rate
from i2i_reference.data import TrainingStream
from i2i_reference.scoring import MetricsLog, print_scores


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--metrics", help="append the loss terms to this metrics.jsonl (i2i's fields, every train.log_every steps)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    cfg = yaml.safe_load(open(a.config))
    if cfg.get("model", "aggan") != "aggan":
        raise SystemExit(f"{a.config} configures {cfg.get('model')}, not aggan")
    c, d, t = cfg.get("aggan", {}), cfg.get("data", {}), cfg.get("train", {})
    if c.get("attention_kernels", "official") != "official":
        raise SystemExit("only aggan.attention_kernels: official (1×1 tails, as the TF code runs) is expressed here")
    base_lr = c.get("base_lr", 1e-4)
    max_epochs, switch, threshold = c.get("max_epochs", 100), c.get("switch", 30), c.get("threshold", 0.1)
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)

    f = h5py.File(a.data, "r")
    data = TrainingStream(f, load, crop, flip, batch, a.seed)
    nets = build_networks(c.get("ngf", 32), c.get("ndf", 64), c.get("n_blocks", 9), c.get("init_stddev", 0.02))
    model = AGGAN(nets, lr=base_lr, beta1=c.get("beta1", 0.5), beta2=c.get("beta2", 0.999),
                  lambda_a=c.get("lambda_a", 10.0), lambda_b=c.get("lambda_b", 10.0), pool_size=c.get("pool_size", 50),
                  pool_rngs=(random.Random(f"{a.seed}/pool.fake_A"), random.Random(f"{a.seed}/pool.fake_B")))
    metrics = MetricsLog(a.metrics, t.get("log_every", 100))
    start = time.time()
    for step in range(a.steps):
        ra, rb, epoch = data.batch_at(step)
        stage2 = epoch >= switch
        model.opt.lr = learning_rate(base_lr, epoch, max_epochs)
        losses, _ = model.iteration(ra, rb, stage2=stage2, tau=threshold)
        metrics.add(step + 1, losses)
        if (step + 1) % max(1, a.steps // 10) == 0:
            print(f"step {step + 1}/{a.steps} epoch {epoch} lr {model.opt.lr:.2e} stage {2 if stage2 else 1} "
                  f"g_A {losses['g_A'].item():.3f} d_B {losses['d_B'].item():.3f} g_B {losses['g_B'].item():.3f} "
                  f"d_A {losses['d_A'].item():.3f} {time.time() - start:.1f}s", flush=True)
    metrics.flush(a.steps)   # the last partial window, as i2i train logs its final step
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)
    print_scores(f, {"testA": model.translator("a2b"), "testB": model.translator("b2a")})


if __name__ == "__main__":
    main()
