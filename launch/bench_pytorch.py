#!/usr/bin/env python3
"""PyTorch reference for `i2i bench train`: a model's training step (batch 1 by default), timed the same
way as i2i (warm-up steps, then the median of timed steps).

cyclegan: the official step (junyanz/pytorch-CycleGAN-and-pix2pix, `models/cycle_gan_model.py`)
with the official defaults: ResNet-9 generators (ngf 64, reflect padding, instance norm without
affine, biased convs, no dropout), 70×70 PatchGAN discriminators (ndf 64, 3 layers), LSGAN,
cycle λ 10, identity 0.5, Adam(2e-4, β 0.5/0.999), image pool 50.

aggan: one iteration of the official TensorFlow code (AlamiMejjati/Unsupervised-Attention-
guided-Image-to-Image-Translation, main.py) re-expressed in PyTorch, at its defaults (ngf 32,
ndf 64, 9 blocks, attention net as executed, stage 1): four train ops, each recomputing the
forward graph and back-propagating into its own variables only (torch.autograd.grad), TF's
Adam(1e-4, β 0.5) with one shared step count, pools of (fake, mask) pairs.

unit: one iteration of the official UNIT, dis_update then gen_update, in either official version
(--variant): master (mingyuliutw/UNIT master, trainer.py UNIT_Trainer with
configs/unit_summer2winter_yosemite256_folder.yaml: VAEGen dim 64, 2 downsamplings, 4 residual
blocks, reflect padding; MsImageDis dim 64, 4 layers, 3 scales, LSGAN; weights 1/10/0.01/10/0.01;
Adam(1e-4, β 0.5/0.999, weight decay 1e-4), StepLR) or paper (branch version_02,
cocogan_trainer.py COCOGANTrainer with exps/unit/cat2tiger.yaml: COCOResGen ch 64, 3/3/1/1/3/3
blocks; COCODis ch 64, 6 layers; BCE; weights 10/100/0.1/100/0.1; Adam(1e-4, β 0.5/0.999, weight
decay 1e-4)). The generators' forward pass of the D step runs without autograd and the
discriminators collect no gradients in the G step (the official code computes both and throws
them away): the same values, PyTorch at its fastest.
munit: one iteration of the official MUNIT (NVlabs/MUNIT trainer.py MUNIT_Trainer with
configs/edges2shoes_folder.yaml: AdaINGen dim 64, style 8, MLP 256, 2 downsamplings, 4 residual
blocks; MsImageDis as UNIT's; weights gan 1, x 10, s 1, c 1, cycle 0; Adam(1e-4, β 0.5/0.999,
weight decay 1e-4), StepLR), or with --variant sa MUNIT with self-attention (itsss/img2img_sa
with configs/cat2dog.yaml: attention after the decoder's residual blocks and in each
discriminator scale, cycle weight 10). The same execution shortcuts as unit.
ugatit: one iteration of the official U-GAT-IT (znxlwm/UGATIT-pytorch UGATIT.py train with main.py
defaults: ch 64, n_res 4, the full generator's FC sized for --size, or with --variant light the
light generator; global and local discriminators; D step then G step, ρ clipping, Adam 1e-4 with
weight decay 1e-4). The global discriminators need --size 96 or more. The same execution shortcut
as unit (the D step's generator forward without autograd).
cocosnet: one iteration of the official CoCosNet (microsoft/CoCosNet pix2pix_model.py and
pix2pix_trainer.py at the README's ADE20k command: semantic_nc 151, ngf = ndf 64, crop --size,
use_attention, maskmix, PONO-C, match_kernel 3, warp_stride 4, two 4-layer discriminators, TTUR;
every loss term, the VGG19 ones included — the VGG19 at torch's default initialisation, as
`i2i bench train` builds its own with cocosnet.vgg19_weights=random: the frozen weights' values
do not change the time): G step then D step, on label maps of 8 uniform random classes (as
i2i's synthetic batches), random image and exemplar, self_ref 0.
The master discriminators' smallest scale needs --size 64 or more (four reflect-padded stride-2
layers on a quarter of the image), as in the official code.

All models are the shared PyTorch expressions in launch/reference/i2i_reference/ (the same
ones the golden fixtures and the quality reference trainers use), in float32; AGGAN's instance
norms run as torch's fused kernel (the same function as the written-out TF formula, about a
third less time per iteration), so that PyTorch is timed at its fastest.

Prints one JSON object with the same field names as `i2i bench train --json`.

Usage: python3 launch/bench_pytorch.py [--model cyclegan|aggan|unit|munit|ugatit|cocosnet] [--variant master|paper|sa|full|light]
       --size 128 [--batch 1] [--steps 5] [--warmup 2] [--threads 2] [--seed 0]
Tested with PyTorch 2.15 (CPU).
"""
import argparse
import json
import os
import random
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
from i2i_reference.aggan_model import AGGAN, build_networks  # noqa: E402
from i2i_reference.cocosnet_model import CoCosNet  # noqa: E402
from i2i_reference.cocosnet_networks import CoCosNetConfig  # noqa: E402
from i2i_reference.cyclegan_model import CycleGAN  # noqa: E402
from i2i_reference.munit_model import MUNITTrainer  # noqa: E402
from i2i_reference.ugatit_model import UGATIT  # noqa: E402
from i2i_reference.unit_model import UNITMaster, UNITPaper  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--model", default="cyclegan", choices=["cyclegan", "aggan", "unit", "munit", "ugatit", "cocosnet"])
    parser.add_argument("--variant", choices=["master", "paper", "sa", "full", "light"],
                        help="unit: master or paper (default master); munit: sa for self-attention; "
                             "ugatit: full or light (default full)")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1, help="samples per step")
    parser.add_argument("--steps", type=int, default=5, help="timed steps (the median is reported)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    if args.variant and args.model not in ("unit", "munit", "ugatit"):
        parser.error("--variant is for --model unit, munit or ugatit")
    if args.model == "ugatit" and args.variant not in (None, "full", "light"):
        parser.error("--model ugatit takes --variant full or light")
    if args.model == "munit" and args.variant not in (None, "sa"):
        parser.error("--model munit takes --variant sa (self-attention) or none")
    if args.model == "cyclegan":
        step = CycleGAN().step
    elif args.model == "aggan":
        # Stage 1 (τ = 0: the discriminators see whole images, IN on, attention trained).
        step = AGGAN(build_networks(fused_norm=True), lr=1e-4).iteration
    elif args.model == "ugatit":
        # main.py defaults (ch 64, n_res 4), the FC sized for --size (img_size).
        step = UGATIT(img_size=args.size, light=args.variant == "light").iteration
    elif args.model == "munit":
        sa = args.variant == "sa"
        step = MUNITTrainer(self_attention=sa, recon_x_cyc_w=10.0 if sa else 0.0).iteration
    elif args.model == "cocosnet":
        if args.size % 32:
            parser.error("--model cocosnet needs a --size that is a multiple of 32")
        cocosnet = CoCosNet(CoCosNetConfig(crop_size=args.size))
        # Label maps of 8 uniform classes and self_ref 0, as i2i's SyntheticBatch.
        label = torch.randint(0, 8, (args.batch, 1, args.size, args.size)).float()
        ref_label = torch.randint(0, 8, (args.batch, 1, args.size, args.size)).float()
        self_ref = torch.zeros(args.batch)

        def step(image, ref):
            cocosnet.iteration(label, image, ref, ref_label, self_ref)
    else:
        step = (UNITPaper() if args.variant == "paper" else UNITMaster()).iteration
    real_A = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1
    real_B = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1
    for _ in range(args.warmup):
        step(real_A, real_B)
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step(real_A, real_B)
        times.append(time.perf_counter() - start)
    variant = {"variant": args.variant or "master"} if args.model == "unit" else {}
    if args.model == "munit":
        variant = {"variant": args.variant or "munit"}
    if args.model == "ugatit":
        variant = {"variant": args.variant or "full"}
    print(json.dumps({
        "framework": "pytorch", "version": torch.__version__, "model": args.model, **variant, "size": args.size,
        "batch": args.batch, "ranks": 1, "threads": torch.get_num_threads(),
        "seconds_per_step": statistics.median(times), "seconds_all": times,
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
