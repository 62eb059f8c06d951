#!/usr/bin/env python3
"""Trains the PyTorch expression of the official CycleGAN on an i2i dataset file, for the
quality comparison in the README (same configuration and steps as an i2i run).

    python3 launch/reference/cyclegan_reference.py --data seasons.h5 --config configs/demo.yaml \
        --steps 1500 [--threads 2] [--seed 0]

Reads the dataset with h5py, draws batches as i2i's trainer does (i2i_reference/data.py),
trains with the official losses, pools, optimisers and linear schedule (i2i_reference/
cyclegan_model.py: junyanz/pytorch-CycleGAN-and-pix2pix models/cycle_gan_model.py), translates
testA and testB, and prints the L1 and PSNR against the truth beside the identity baseline, as
`i2i translate` does. The networks are the PyTorch expression the golden tests use
(Tests/ModelsTests/Fixtures/make_fixtures.py), run here in float32. Needs torch, h5py, numpy
and PyYAML (Pillow for the exact resize); nothing in i2i's own build or tests uses this script.
"""
import argparse
import random
import time

import h5py
import torch
import yaml

from i2i_reference.cyclegan_model import CycleGAN, linear_rule
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
    c = cfg.get("cyclegan", {})
    d = cfg.get("data", {})
    t = cfg.get("train", {})
    lr = c.get("lr", 2e-4)
    n_epochs, n_decay = c.get("n_epochs", 100), c.get("n_epochs_decay", 100)
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)

    f = h5py.File(a.data, "r")
    data = TrainingStream(f, load, crop, flip, batch, a.seed)
    model = CycleGAN(ngf=c.get("ngf", 64), ndf=c.get("ndf", 64), n_blocks=c.get("n_blocks", 9),
                     n_layers_D=c.get("n_layers_D", 3), init_gain=c.get("init_gain", 0.02),
                     lambda_A=c.get("lambda_A", 10.0), lambda_B=c.get("lambda_B", 10.0),
                     lambda_identity=c.get("lambda_identity", 0.5), lr=lr, beta1=c.get("beta1", 0.5),
                     beta2=c.get("beta2", 0.999), pool_size=c.get("pool_size", 50),
                     pool_rngs=(random.Random(f"{a.seed}/pool.fake_A"), random.Random(f"{a.seed}/pool.fake_B")))
    # LambdaLR stepped at the start of every epoch with epoch_count 1: epoch E (from 0) trains at
    # the rule's factor after E + 1 steps, never below 0 (a run may outlast the schedule).
    rule = linear_rule(n_epochs, n_decay)
    metrics = MetricsLog(a.metrics, t.get("log_every", 100))
    start = time.time()
    for step in range(a.steps):
        real_a, real_b, epoch = data.batch_at(step)
        model.set_learning_rate(lr * max(0.0, rule(epoch + 1)))
        losses = model.step(real_a, real_b)
        metrics.add(step + 1, {k: v for k, v in losses.items() if k != "G"})  # i2i logs the terms, not their sum
        if (step + 1) % max(1, a.steps // 10) == 0:
            print(f"step {step + 1}/{a.steps} loss_G {losses['G'].item():.3f} {time.time() - start:.1f}s", flush=True)
    metrics.flush(a.steps)   # the last partial window, as i2i train logs its final step
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)
    print_scores(f, {"testA": model.G_A, "testB": model.G_B})


if __name__ == "__main__":
    main()
