#!/usr/bin/env python3
"""Trains the PyTorch expression of the official CoCosNet (microsoft/CoCosNet) on a paired i2i
dataset file, for the quality comparison in the README (same configuration and steps as an i2i
run).

    python3 launch/reference/cocosnet_reference.py --data scenes.h5 --config configs/demo-cocosnet.yaml \\
        --steps 1000 [--threads 2] [--seed 0] [--metrics run/metrics.jsonl]

The config's `cocosnet:` section, with i2i's key names (Sources/Models/CoCosNet/CoCosNetOptions.swift,
the official options'): semantic_nc, ngf, ndf, adaptor_kernel, warp_stride, match_kernel, maskmix,
use_attention, pono_c, n_layers_D, num_D, spade_hidden, corr_inter_channels (the correspondence's
feature_channel is ngf, as in i2i), temperature, init_variance, lr, ttur, beta1, beta2, niter,
niter_decay, the loss weights (novgg_featpair, weight_gan, lambda_feat, lambda_vgg, fm_ratio,
weight_perceptual, which_perceptual, ctx_w, use_22ctx, weight_mask, warp_cycle_w, warp_self_w) and
vgg19_weights: `none` (no fm, perc and contextual terms), `random` (an untrained VGG19, He-normal
weights std √(2/fan_in) and zero biases drawn from --seed: random on both sides, not equal), or an
i2i HDF5 file holding /networks/vgg19/<state key> (launch/convert-weights to-i2i --model vgg19);
other keys are ignored with a warning. `data:` load_size, crop_size, flip; `train:` batch_size,
log_every.
Matched with i2i: the batches are drawn as i2i's paired trainer draws them
(i2i_reference/data.py `PairedTrainingStream`: the retrieval-list exemplar with probability 0.7,
its last "hard" candidate 0.2 of those, else the image itself re-cropped as a pseudo pair); each
iteration is the official G step then D step on the same batch (i2i_reference/cocosnet_model.py);
optimisers with TTUR (G and netCorr lr/2, betas (0, 0.9), eps 1e-3; D 2·lr) or, with ttur false,
lr with (beta1, beta2); the rates of i2i's `cocosnet` schedule (Sources/NN/Schedules.swift, the
official `update_learning_rate`): constant for niter epochs, then lowered by base/niter_decay per
epoch, never below 0, an epoch being ⌊N_train / batch⌋ steps. The loss terms go to --metrics under
i2i's names (no_vgg_feat, GAN, GAN_Feat, fm, perc, contextual, mask, G_loss, D_Fake, D_real,
D_loss). Then split `test` is translated in evaluation mode, each label map with its listed
exemplar `exemplars[k, 0]` from `train` (what `i2i translate --input DATA.h5:test` does by
default), and the L1 and PSNR against the truth are printed beside the identity baseline (the
split's own images), as `i2i translate` does. Needs torch, h5py, numpy and PyYAML.
"""
import argparse
import sys
import time

import h5py
import torch
import yaml

from i2i_reference.cocosnet_model import CoCosNet, init_weights
from i2i_reference.cocosnet_networks import CoCosNetConfig
from i2i_reference.data import PairedTrainingStream
from i2i_reference.scoring import MetricsLog, print_paired_scores

# i2i's defaults (CoCosNetOptions.swift): the ADE20k command's options.
ARCHITECTURE = dict(semantic_nc=151, ngf=64, ndf=64, adaptor_kernel=3, warp_stride=4, match_kernel=3, maskmix=True,
                    use_attention=True, pono_c=True, n_layers_D=4, num_D=2, spade_hidden=128, corr_inter_channels=256)
WEIGHT_KEYS = ("novgg_featpair", "weight_gan", "lambda_feat", "lambda_vgg", "fm_ratio", "weight_perceptual", "ctx_w",
               "weight_mask", "warp_cycle_w", "warp_self_w")
TRAINING = dict(temperature=0.01, init_variance=0.02, lr=2e-4, ttur=True, beta1=0.5, beta2=0.999, niter=100,
                niter_decay=100, which_perceptual="5_2", use_22ctx=False, vgg19_weights=None)
DEFAULTS = dict(ARCHITECTURE, **TRAINING, **{k: None for k in WEIGHT_KEYS})


def settings(section):
    section = dict(section)
    for k in sorted(set(section) - set(DEFAULTS)):
        print(f"warning: cocosnet.{k} is not read by this reference script (ignored)", file=sys.stderr, flush=True)
        del section[k]
    return dict(DEFAULTS, **section)


def learning_rate(base, epoch, niter, niter_decay):
    """i2i's `cocosnet` schedule: base for epochs ≤ niter, then minus base/niter_decay for each
    epoch past niter, never below 0 (epochs from 0)."""
    if epoch <= niter:
        return base
    if niter_decay == 0:
        return 0.0
    return max(base - (epoch - niter) * (base / niter_decay), 0.0)


def load_vgg(model, spec, seed):
    """Fills the frozen VGG19: He-normal (`random`) from --seed, or the /networks/vgg19 state of an
    i2i HDF5 file."""
    if spec == "random":
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for m in model.vgg.modules():
                if isinstance(m, torch.nn.Conv2d):
                    torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=g)
                    torch.nn.init.zeros_(m.bias)
        return "random (He-normal)"
    try:
        with h5py.File(spec, "r") as f:
            if "networks/vgg19" not in f:
                raise SystemExit(f"cocosnet.vgg19_weights {spec}: no /networks/vgg19 group")
            state = {k: torch.from_numpy(f["networks/vgg19"][k][...]) for k in f["networks/vgg19"]}
    except OSError as e:
        raise SystemExit(f"cocosnet.vgg19_weights {spec}: {e}")
    missing, unexpected = model.vgg.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"cocosnet.vgg19_weights {spec}: missing {missing or 'nothing'}, unexpected {unexpected or 'nothing'}")
    return spec


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
    if cfg.get("model") != "cocosnet":
        raise SystemExit(f"{a.config} configures {cfg.get('model')}, not cocosnet")
    s = settings(cfg.get("cocosnet") or {})
    if not s["vgg19_weights"]:
        raise SystemExit("cocosnet.vgg19_weights must name the VGG19's HDF5 file, or be random or none")
    if s["which_perceptual"] not in ("5_2", "4_2"):
        raise SystemExit(f"cocosnet.which_perceptual must be 5_2 or 4_2, not {s['which_perceptual']}")
    d, t = cfg.get("data", {}), cfg.get("train", {})
    load, crop, flip = d.get("load_size", 286), d.get("crop_size", 256), d.get("flip", True)
    batch = t.get("batch_size", 1)
    if crop % 32:
        raise SystemExit(f"the generator starts from size/32: the crop size must be a multiple of 32, not {crop}")
    try:
        f = h5py.File(a.data, "r")
    except OSError as e:
        raise SystemExit(f"{a.data}: cannot open ({e})")
    if "train" not in f or "labels" not in f["train"]:
        raise SystemExit(f"{a.data}: no paired `train` split with label maps (cocosnet trains on paired data)")
    data = PairedTrainingStream(f, load, crop, flip, batch, a.seed)
    net_cfg = CoCosNetConfig(crop_size=crop, corr_feature_channel=s["ngf"], **{k: s[k] for k in ARCHITECTURE})
    weights = {k: s[k] for k in WEIGHT_KEYS if s[k] is not None}
    use_vgg = s["vgg19_weights"] != "none"
    model = CoCosNet(net_cfg, weights=weights, lr=s["lr"], use_vgg=use_vgg,
                     perceptual_layer=-1 if s["which_perceptual"] == "5_2" else -2, use_22ctx=s["use_22ctx"],
                     temperature=s["temperature"])
    if s["init_variance"] != 0.02:  # CoCosNet's constructor draws with 0.02; draw again
        for net in model.nets.values():
            init_weights(net, s["init_variance"])
    vgg = load_vgg(model, s["vgg19_weights"], a.seed) if use_vgg else "none (no fm, perc, contextual)"
    if s["ttur"]:
        bases = [s["lr"] / 2, s["lr"] / 2], [s["lr"] * 2]
    else:
        # --no_TTUR: one rate, (beta1, beta2); G keeps eps 1e-3 (create_optimizers).
        model.optimizer_G = torch.optim.Adam(
            [{"params": model.netG.parameters()}, {"params": model.netCorr.parameters()}],
            lr=s["lr"], betas=(s["beta1"], s["beta2"]), eps=1e-3)
        model.optimizer_D = torch.optim.Adam(model.netD.parameters(), lr=s["lr"], betas=(s["beta1"], s["beta2"]))
        bases = [s["lr"], s["lr"]], [s["lr"]]
    print("CoCosNet: " + ", ".join(f"{k} {sum(p.numel() for p in net.parameters()):,}" for k, net in model.nets.items())
          + f"; VGG19 {vgg}; {data.length} training pairs, {data.steps_per_epoch} steps per epoch", flush=True)
    metrics = MetricsLog(a.metrics, t.get("log_every", 100))
    start = time.time()
    for step in range(a.steps):
        label, image, ref, ref_label, self_ref, epoch = data.batch_at(step)
        for optimizer, group_bases in zip((model.optimizer_G, model.optimizer_D), bases):
            for group, base in zip(optimizer.param_groups, group_bases):
                group["lr"] = learning_rate(base, epoch, s["niter"], s["niter_decay"])
        losses = model.iteration(label, image, ref, ref_label, self_ref)
        values = {k: v.item() for k, v in losses.items() if k not in ("D_Fake", "D_real")}
        values["G_loss"] = sum(values.values())
        values.update(D_Fake=losses["D_Fake"].item(), D_real=losses["D_real"].item())
        values["D_loss"] = values["D_Fake"] + values["D_real"]
        metrics.add(step + 1, values)
        if step == 0 or (step + 1) % max(1, a.steps // 10) == 0:
            lr = model.optimizer_G.param_groups[0]["lr"]
            terms = " ".join(f"{k} {v:.3f}" for k, v in values.items())
            print(f"step {step + 1}/{a.steps} epoch {epoch} lr_G {lr:.2e} {terms} {time.time() - start:.1f}s", flush=True)
    metrics.flush(a.steps)
    print(f"trained {a.steps} steps in {time.time() - start:.1f} s", flush=True)
    model.train(False)
    print_paired_scores(f, "test", lambda maps, ex, ex_maps: model.inference(maps, ex, ex_maps)[0], crop)


if __name__ == "__main__":
    main()
