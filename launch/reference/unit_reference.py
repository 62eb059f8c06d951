#!/usr/bin/env python3
"""Trains the PyTorch expression of the official UNIT on an i2i dataset file, for the quality
comparison in the README (same configuration and steps as an i2i run).

    python3 launch/reference/unit_reference.py --data seasons.h5 --config configs/demo-unit.yaml \
        --steps 1500 [--threads 2] [--seed 0] [--metrics run/metrics.jsonl]

The config's `unit:` section chooses the version (variant: master | paper) and its settings, with
i2i's key names; −1 means the variant's default (dis_n_layer 4 | 6, gan_w 1 | 10):
  master  mingyuliutw/UNIT master (trainer.py UNIT_Trainer, networks.py VAEGen and MsImageDis,
          configs/unit_*.yaml): gen_dim, n_downsample, n_res, activ, pad_type, dis_dim,
          dis_n_layer, dis_num_scales, dis_pad_type, gan_type, gan_w, recon_x_w, recon_kl_w,
          recon_x_cyc_w, recon_kl_cyc_w, lr, beta1, beta2, weight_decay, step_size, gamma (the
          rate steps at the start of every iteration, as train.py does)
  paper   branch version_02 (src/trainers/cocogan_trainer.py COCOGANTrainer, cocogan_nets.py
          COCOResGen and COCODis, exps/unit/cat2tiger.yaml): gen_dim (ch), n_enc_front_blk,
          n_enc_res_blk, n_enc_shared_blk, n_gen_shared_blk, n_gen_res_blk, n_gen_front_blk,
          res_dropout_ratio, dis_dim (ch), dis_n_layer, gan_w, ll_direct_link_w, kl_direct_link_w,
          ll_cycle_link_w, kl_cycle_link_w, lr, beta1, beta2, weight_decay (constant rate)
max_iter only ends the official runs (--steps does here); init must be kaiming and vgg_w 0 (the
VGG16 term is not expressed); other keys are ignored with a warning. Batches are drawn as i2i's trainer
draws them (i2i_reference/data.py: data.load_size, crop_size, flip; train.batch_size); each
iteration is the official D step then G step (i2i_reference/unit_model.py). testA and testB are
translated as the official test path does (evaluation mode, no noise, the other domain's
decoder), and the L1 and PSNR against the truth are printed beside the identity baseline, as
`i2i translate` does. The networks are the PyTorch expression the golden tests use
(Tests/ModelsTests/Fixtures/make_fixtures.py), run here in float32. Needs torch, h5py, numpy and
PyYAML (Pillow for the exact resize); nothing in i2i's own build or tests uses this script.
"""
import argparse
import sys
import time

import h5py
import torch
import yaml

from i2i_reference.data import TrainingStream
from i2i_reference.scoring import MetricsLog, print_scores
from i2i_reference.unit_model import UNITMaster, UNITPaper
from i2i_reference.unit_networks import ms_image_dis_fits

COMMON = dict(variant="master", gen_dim=64, dis_dim=64, dis_n_layer=-1, gan_w=-1, lr=1e-4, beta1=0.5, beta2=0.999,
              weight_decay=1e-4, max_iter=-1)
MASTER = dict(n_downsample=2, n_res=4, activ="relu", pad_type="reflect", dis_num_scales=3, dis_pad_type="reflect",
              gan_type="lsgan", recon_x_w=10.0, recon_kl_w=0.01, recon_x_cyc_w=10.0, recon_kl_cyc_w=0.01,
              step_size=100000, gamma=0.5)
PAPER = dict(n_enc_front_blk=3, n_enc_res_blk=3, n_enc_shared_blk=1, n_gen_shared_blk=1, n_gen_res_blk=3,
             n_gen_front_blk=3, res_dropout_ratio=0.0, ll_direct_link_w=100.0, kl_direct_link_w=0.1,
             ll_cycle_link_w=100.0, kl_cycle_link_w=0.1)


def settings(section):
    """The `unit:` section with every key resolved (the variant's defaults for −1 and absent keys).
    init (weights_init('kaiming'), the official configs' choice) and the VGG perceptual term (off,
    vgg_w 0, in every official config but gta2city) are checked, not expressed."""
    section = dict(section)
    if section.pop("init", "kaiming") != "kaiming":
        raise SystemExit("only unit.init: kaiming (the official configs' initialisation) is expressed here")
    if float(section.pop("vgg_w", 0) or 0) > 0:
        raise SystemExit("unit.vgg_w > 0: the VGG16 perceptual term is not expressed here")
    section.pop("vgg16_weights", None)
    unknown = set(section) - set(COMMON) - set(MASTER) - set(PAPER)
    for k in sorted(unknown):
        print(f"warning: unit.{k} is not read by this reference script (ignored)", file=sys.stderr, flush=True)
        del section[k]
    s = dict(COMMON, **MASTER, **PAPER)
    s.update(section)
    if s["variant"] not in ("master", "paper"):
        raise SystemExit(f"unit.variant must be master or paper, not {s['variant']!r}")
    paper = s["variant"] == "paper"
    if s["dis_n_layer"] == -1:
        s["dis_n_layer"] = 6 if paper else 4
    if s["gan_w"] == -1:
        s["gan_w"] = 10.0 if paper else 1.0
    if s["max_iter"] == -1:
        s["max_iter"] = 500000 if paper else 1000000
    return s


def build(s):
    common = dict(gan_w=s["gan_w"], lr=s["lr"], beta1=s["beta1"], beta2=s["beta2"], weight_decay=s["weight_decay"])
    if s["variant"] == "paper":
        return UNITPaper(ch=s["gen_dim"], **{k: s[k] for k in PAPER}, dis_ch=s["dis_dim"],
                         dis_n_layer=s["dis_n_layer"], **common)
    return UNITMaster(dim=s["gen_dim"], n_downsample=s["n_downsample"], n_res=s["n_res"], activ=s["activ"],
                      pad_type=s["pad_type"], dis_dim=s["dis_dim"], dis_n_layer=s["dis_n_layer"],
                      num_scales=s["dis_num_scales"], dis_pad_type=s["dis_pad_type"], gan_type=s["gan_type"],
                      recon_x_w=s["recon_x_w"], recon_kl_w=s["recon_kl_w"], recon_x_cyc_w=s["recon_x_cyc_w"],
                      recon_kl_cyc_w=s["recon_kl_cyc_w"], step_size=s["step_size"], gamma=s["gamma"], **common)


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
    if cfg.get("model", "unit") != "unit":
        raise SystemExit(f"{a.config} configures {cfg.get('model')}, not unit")
    s = settings(cfg.get("unit") or {})
    d, t = cfg.get("data", {}), cfg.get("train", {})
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)

    if s["variant"] == "master" and not ms_image_dis_fits(crop, s["dis_n_layer"], s["dis_num_scales"]):
        raise SystemExit(f"a {crop}-pixel crop is too small for {s['dis_num_scales']} discriminator scales of "
                         f"{s['dis_n_layer']} layers (a layer's input would be under 2 pixels)")
    f = h5py.File(a.data, "r")
    data = TrainingStream(f, load, crop, flip, batch, a.seed)
    model = build(s)
    total = "gen_total"
    print(f"UNIT {s['variant']}: " + ", ".join(f"{k} {sum(p.numel() for p in net.parameters()):,}"
                                               for k, net in model.nets.items()), flush=True)
    metrics = MetricsLog(a.metrics, t.get("log_every", 100))
    start = time.time()
    for step in range(a.steps):
        real_a, real_b, _ = data.batch_at(step)
        losses = model.iteration(real_a, real_b)
        metrics.add(step + 1, {k: float(v) for k, v in losses.items()})
        if (step + 1) % max(1, a.steps // 10) == 0:
            lr = model.gen_opt.param_groups[0]["lr"]
            print(f"step {step + 1}/{a.steps} lr {lr:.2e} dis_total {losses['dis_total'].item():.3f} "
                  f"{total} {losses[total].item():.3f} {time.time() - start:.1f}s", flush=True)
    metrics.flush(a.steps)   # the last partial window, as i2i train logs its final step
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)
    model.train(False)
    translators = model.translators()
    print_scores(f, {"testA": translators["a2b"], "testB": translators["b2a"]})


if __name__ == "__main__":
    main()
