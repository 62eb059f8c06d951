#!/usr/bin/env python3
"""Trains the PyTorch expression of the official U-GAT-IT (znxlwm/UGATIT-pytorch) on an i2i
dataset file, for the quality comparison in the README (same configuration and steps as an i2i
run).
    python3 launch/reference/ugatit_reference.py --data seasons.h5 --config configs/demo-ugatit.yaml \\
        --steps 1000 [--threads 2] [--seed 0]
The config's `ugatit:` section, with i2i's key names (main.py's): light, ch, n_res, img_size,
adv_weight, cycle_weight, identity_weight, cam_weight, lr, weight_decay, iteration, decay_flag
(UGATIT.py train: the rates drop by lr / (iteration // 2) per step past the half-way point; the
discriminators have 7 (global) and 5 (local) layers; Adam β (0.5, 0.999)); other keys are ignored
with a warning. img_size must equal data.crop_size for the full model (its FC is sized for it).
Batches are drawn as i2i's trainer draws them (i2i_reference/data.py); each iteration is the
official D step then G step on the same batch, then ρ clipping (i2i_reference/ugatit_model.py).
testA and testB are translated in evaluation mode, and the L1 and PSNR against the truth are
printed beside the identity baseline, as `i2i translate` does. Needs torch, h5py, numpy and PyYAML.
"""
import argparse
import sys
import time

import h5py
import torch
import yaml

from i2i_reference.data import TrainingStream
from i2i_reference.scoring import MetricsLog, print_scores
from i2i_reference.ugatit_model import UGATIT
from i2i_reference.ugatit_networks import discriminator_fits

DEFAULTS = dict(light=False, ch=64, n_res=4, img_size=256, adv_weight=1.0, cycle_weight=10.0, identity_weight=10.0,
                cam_weight=1000.0, lr=1e-4, weight_decay=1e-4, iteration=1000000, decay_flag=True)


def settings(section):
    section = dict(section)
    for k in sorted(set(section) - set(DEFAULTS)):
        print(f"warning: ugatit.{k} is not read by this reference script (ignored)", file=sys.stderr, flush=True)
        del section[k]
    return dict(DEFAULTS, **section)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
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
    if cfg.get("model") != "ugatit":
        raise SystemExit(f"{a.config} configures {cfg.get('model')}, not ugatit")
    s = settings(cfg.get("ugatit") or {})
    d, t = cfg.get("data", {}), cfg.get("train", {})
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)
    if not s["light"] and s["img_size"] != crop:
        raise SystemExit(f"the full model's FC is sized for ugatit.img_size {s['img_size']}, not the {crop}-pixel crop")
    if crop % 4 or not discriminator_fits(crop, 7):
        raise SystemExit(f"a {crop}-pixel crop does not pass the generators and the 7-layer discriminators")
    f = h5py.File(a.data, "r")
    data = TrainingStream(f, load, crop, flip, batch, a.seed)
    model = UGATIT(**{k: v for k, v in s.items()})
    print(f"U-GAT-IT{' light' if s['light'] else ''}: "
          + ", ".join(f"{k} {sum(p.numel() for p in net.parameters()):,}" for k, net in model.nets.items()), flush=True)
    metrics = MetricsLog(a.metrics, t.get("log_every", 100))
    start = time.time()
    for step in range(a.steps):
        real_a, real_b, _ = data.batch_at(step)
        losses = model.iteration(real_a, real_b)
        metrics.add(step + 1, {k: v.item() for k, v in losses.items()})
        if (step + 1) % max(1, a.steps // 10) == 0:
            lr = model.G_optim.param_groups[0]["lr"]
            print(f"step {step + 1}/{a.steps} lr {lr:.2e} Discriminator_loss {losses['Discriminator_loss'].item():.3f} "
                  f"Generator_loss {losses['Generator_loss'].item():.3f} {time.time() - start:.1f}s", flush=True)
    metrics.flush(a.steps)   # the last partial window, as i2i train logs its final step
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)
    model.train(False)

    def translate(generator):
        def run(x):
            with torch.no_grad():
                return generator(x)[0]
        return run

    print_scores(f, {"testA": translate(model.genA2B), "testB": translate(model.genB2A)})


if __name__ == "__main__":
    main()
