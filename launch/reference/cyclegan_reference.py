#!/usr/bin/env python3
"""Trains the PyTorch expression of the official CycleGAN on an i2i dataset file, for the
quality comparison in the README (same configuration and steps as an i2i run).

    python3 launch/reference/cyclegan_reference.py --data seasons.h5 --config configs/demo.yaml \
        --steps 1500 [--threads 2] [--seed 0]

Reads the dataset with h5py, draws batches as i2i's trainer does (reference_common.py), trains
with the official losses, pool, optimisers and schedule,
translates testA and testB, and prints the L1 and PSNR against the truth beside the identity
baseline, as `i2i translate` does. Needs torch, h5py, numpy and PyYAML; nothing in i2i's own
build or tests uses this script. The networks are the same PyTorch expression the golden
tests use (Tests/ModelsTests/Fixtures/make_model_fixtures.py).
"""
import argparse
import os
import random
import sys
import time

import h5py
import torch
import torch.nn as nn
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ModelsTests", "Fixtures"))
from make_model_fixtures import NLayerDiscriminator, ResnetGenerator, init_normal  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import TrainingStream, print_scores  # noqa: E402


class Pool:
    def __init__(self, size, rng):
        self.size, self.items, self.rng = size, [], rng

    def query(self, images):
        if self.size == 0:
            return images
        out = []
        for img in images.detach():
            img = img.unsqueeze(0)
            if len(self.items) < self.size:
                self.items.append(img)
                out.append(img)
            elif self.rng.random() > 0.5:
                k = self.rng.randint(0, self.size - 1)
                out.append(self.items[k].clone())
                self.items[k] = img
            else:
                out.append(img)
        return torch.cat(out)


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
    c = cfg.get("cyclegan", {})
    d = cfg.get("data", {})
    t = cfg.get("train", {})
    ngf, ndf, blocks = c.get("ngf", 64), c.get("ndf", 64), c.get("n_blocks", 9)
    lam_a, lam_b, lam_idt = c.get("lambda_A", 10.0), c.get("lambda_B", 10.0), c.get("lambda_identity", 0.5)
    lr, beta1, beta2 = c.get("lr", 2e-4), c.get("beta1", 0.5), c.get("beta2", 0.999)
    n_epochs, n_decay = c.get("n_epochs", 100), c.get("n_epochs_decay", 100)
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)

    f = h5py.File(a.data, "r")
    data = TrainingStream(f, load, crop, flip, batch, a.seed)
    G_A, G_B = ResnetGenerator(ngf, blocks), ResnetGenerator(ngf, blocks)
    D_A, D_B = NLayerDiscriminator(ndf, c.get("n_layers_D", 3)), NLayerDiscriminator(ndf, c.get("n_layers_D", 3))
    for net in (G_A, G_B, D_A, D_B):
        init_normal(net, c.get("init_gain", 0.02))
    opt_g = torch.optim.Adam(list(G_A.parameters()) + list(G_B.parameters()), lr=lr, betas=(beta1, beta2))
    opt_d = torch.optim.Adam(list(D_A.parameters()) + list(D_B.parameters()), lr=lr, betas=(beta1, beta2))
    # LambdaLR stepped at the start of every epoch with epoch_count 1: the epoch E (from 0)
    # trains at lr · (1 − max(0, E + 2 − n_epochs) / (n_epochs_decay + 1)), never below 0.
    rule = lambda e: max(0.0, 1.0 - max(0, e + 2 - n_epochs) / float(n_decay + 1))
    pool_a = Pool(c.get("pool_size", 50), random.Random(f"{a.seed}/pool.fake_A"))
    pool_b = Pool(c.get("pool_size", 50), random.Random(f"{a.seed}/pool.fake_B"))
    mse, l1 = nn.MSELoss(), nn.L1Loss()
    start = time.time()
    for step in range(a.steps):
        real_a, real_b, epoch = data.batch_at(step)
        for g in opt_g.param_groups + opt_d.param_groups:
            g["lr"] = lr * rule(epoch)
        fake_b, fake_a = G_A(real_a), G_B(real_b)
        rec_a, rec_b = G_B(fake_b), G_A(fake_a)
        for q in list(D_A.parameters()) + list(D_B.parameters()):
            q.requires_grad_(False)
        opt_g.zero_grad()
        pa, pb = D_A(fake_b), D_B(fake_a)
        loss_g = (mse(pa, torch.ones_like(pa)) + mse(pb, torch.ones_like(pb)) + l1(rec_a, real_a) * lam_a
                  + l1(rec_b, real_b) * lam_b + l1(G_A(real_b), real_b) * lam_b * lam_idt
                  + l1(G_B(real_a), real_a) * lam_a * lam_idt)
        loss_g.backward()
        opt_g.step()
        for q in list(D_A.parameters()) + list(D_B.parameters()):
            q.requires_grad_(True)
        opt_d.zero_grad()

        def d_loss(net, real, fake):
            pr, pf = net(real), net(fake.detach())
            return (mse(pr, torch.ones_like(pr)) + mse(pf, torch.zeros_like(pf))) * 0.5
        (d_loss(D_A, real_b, pool_b.query(fake_b)) + d_loss(D_B, real_a, pool_a.query(fake_a))).backward()
        opt_d.step()
        if (step + 1) % max(1, a.steps // 10) == 0:
            print(f"step {step + 1}/{a.steps} loss_G {loss_g.item():.3f} {time.time() - start:.1f}s", flush=True)
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)
    print_scores(f, {"testA": G_A, "testB": G_B})

if __name__ == "__main__":
    main()
