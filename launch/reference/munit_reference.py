#!/usr/bin/env python3
"""Trains the PyTorch expression of the official MUNIT (or MUNIT with self-attention) on an i2i
dataset file, for the quality comparison in the README (same configuration and steps as an i2i
run).
    python3 launch/reference/munit_reference.py --data seasons.h5 --config configs/demo-munit.yaml \\
        --steps 1000 [--threads 2] [--seed 0]
The config's `munit:` section, with i2i's key names: self_attention (itsss/img2img_sa), gen_dim,
style_dim, mlp_dim, n_downsample, n_res, activ, pad_type, dis_dim, dis_n_layer, dis_num_scales,
dis_pad_type, gan_type, gan_w, recon_x_w, recon_s_w, recon_c_w, recon_x_cyc_w, lr, beta1, beta2,
weight_decay, step_size, gamma (NVlabs/MUNIT trainer.py MUNIT_Trainer; the rate steps at the start
of every iteration, as train.py does). max_iter only ends the official runs (--steps does here);
init must be kaiming and vgg_w 0 (the VGG16 term is not expressed); other keys are ignored with a
warning. Batches are drawn as i2i's trainer draws them (i2i_reference/data.py); each iteration is
the official D step then G step (i2i_reference/munit_model.py). testA and testB are translated
with one random style code per direction (drawn after training from the seed, as i2i translate
uses one fixed random style), and the L1 and PSNR against the truth are printed beside the
identity baseline, as `i2i translate` does. Needs torch, h5py, numpy and PyYAML.
"""
import argparse
import sys
import time

import h5py
import torch
import yaml

from i2i_reference.data import TrainingStream
from i2i_reference.munit_model import MUNITTrainer
from i2i_reference.scoring import MetricsLog, print_scores
from i2i_reference.unit_networks import ms_image_dis_fits

DEFAULTS = dict(self_attention=False, gen_dim=64, style_dim=8, mlp_dim=256, n_downsample=2, n_res=4, activ="relu",
                pad_type="reflect", dis_dim=64, dis_n_layer=4, dis_num_scales=3, dis_pad_type="reflect",
                gan_type="lsgan", gan_w=1.0, recon_x_w=10.0, recon_s_w=1.0, recon_c_w=1.0, recon_x_cyc_w=0.0,
                lr=1e-4, beta1=0.5, beta2=0.999, weight_decay=1e-4, step_size=100000, gamma=0.5, max_iter=1000000)


def settings(section):
    section = dict(section)
    if section.pop("init", "kaiming") != "kaiming":
        raise SystemExit("only munit.init: kaiming (the official configs' initialisation) is expressed here")
    if float(section.pop("vgg_w", 0) or 0) > 0:
        raise SystemExit("munit.vgg_w > 0: the VGG16 perceptual term is not expressed here")
    section.pop("vgg16_weights", None)
    for k in sorted(set(section) - set(DEFAULTS)):
        print(f"warning: munit.{k} is not read by this reference script (ignored)", file=sys.stderr, flush=True)
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
    if cfg.get("model") != "munit":
        raise SystemExit(f"{a.config} configures {cfg.get('model')}, not munit")
    s = settings(cfg.get("munit") or {})
    d, t = cfg.get("data", {}), cfg.get("train", {})
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)
    if not ms_image_dis_fits(crop, s["dis_n_layer"], s["dis_num_scales"]):
        raise SystemExit(f"a {crop}-pixel crop is too small for {s['dis_num_scales']} discriminator scales of "
                         f"{s['dis_n_layer']} layers")
    f = h5py.File(a.data, "r")
    data = TrainingStream(f, load, crop, flip, batch, a.seed)
    model = MUNITTrainer(dim=s["gen_dim"], style_dim=s["style_dim"], mlp_dim=s["mlp_dim"],
                         n_downsample=s["n_downsample"], n_res=s["n_res"], activ=s["activ"], pad_type=s["pad_type"],
                         dis_dim=s["dis_dim"], dis_n_layer=s["dis_n_layer"], num_scales=s["dis_num_scales"],
                         dis_pad_type=s["dis_pad_type"], gan_type=s["gan_type"],
                         self_attention=bool(s["self_attention"]), gan_w=s["gan_w"], recon_x_w=s["recon_x_w"],
                         recon_s_w=s["recon_s_w"], recon_c_w=s["recon_c_w"], recon_x_cyc_w=s["recon_x_cyc_w"],
                         lr=s["lr"], beta1=s["beta1"], beta2=s["beta2"], weight_decay=s["weight_decay"],
                         step_size=s["step_size"], gamma=s["gamma"])
    print("MUNIT" + (" with self-attention" if s["self_attention"] else "") + ": "
          + ", ".join(f"{k} {sum(p.numel() for p in net.parameters()):,}" for k, net in model.nets.items()), flush=True)
    metrics = MetricsLog(a.metrics, t.get("log_every", 100))
    start = time.time()
    for step in range(a.steps):
        real_a, real_b, _ = data.batch_at(step)
        losses = model.iteration(real_a, real_b)
        metrics.add(step + 1, {k: v.item() for k, v in losses.items()})
        if (step + 1) % max(1, a.steps // 10) == 0:
            lr = model.gen_opt.param_groups[0]["lr"]
            print(f"step {step + 1}/{a.steps} lr {lr:.2e} dis_total {losses['dis_total'].item():.3f} "
                  f"gen_total {losses['gen_total'].item():.3f} {time.time() - start:.1f}s", flush=True)
    metrics.flush(a.steps)   # the last partial window, as i2i train logs its final step
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)
    model.train(False)
    style_a, style_b = torch.randn(1, s["style_dim"], 1, 1), torch.randn(1, s["style_dim"], 1, 1)

    def translate(source, target, style):
        def run(x):
            with torch.no_grad():
                return target.decode(source.encode(x)[0], style.expand(x.shape[0], -1, -1, -1))
        return run

    print_scores(f, {"testA": translate(model.gen_a, model.gen_b, style_b),
                     "testB": translate(model.gen_b, model.gen_a, style_a)})


if __name__ == "__main__":
    main()
