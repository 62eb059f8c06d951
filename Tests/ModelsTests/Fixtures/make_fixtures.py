#!/usr/bin/env python3
"""Golden fixtures for i2i's model tests: a tiny CycleGAN and AGGAN trained for three steps.

Run with Python 3.11.7, torch 2.15.0+cu132 (on the CPU), numpy 2.4.6, h5py 3.16.0 (HDF5 2.0.0),
Pillow 13.0.0.
Regenerate (from anywhere; `launch/make-fixtures` runs every generator):
    python3 Tests/ModelsTests/Fixtures/make_fixtures.py [cyclegan|aggan ...] [--out DIR]
It rewrites cyclegan.h5, translation_input.png and aggan.h5 next to this file, or in DIR (name
one model to write only its files).

Each file holds
  /networks/<net>/<key>      initial weights (PyTorch state_dict names and layouts)
  /step<k>/a, /step<k>/b     the batch of step k ([N, 3, H, W] in [-1, 1])
  /step<k>/losses            attributes: every loss term before the update of step k
  /step0/grads/<net>/<key>   the gradient of every parameter in step 0 (generators from the
                             generator loss, discriminators from the discriminator loss)
cyclegan.h5 also holds /translation/G_A_output, G_A's translation of translation_input.png
with the initial weights. aggan.h5 also holds /stage2/step<k>/losses and /stage2/step0/grads
(the same run from the same weights and batches in the second training stage; no gradients for
the frozen attention networks), the stage-2 threshold τ as a root attribute, and gradients of
AGGAN's four train ops (g_A with g_A_ae, d_B, g_B with g_B_ae, d_A), each taken after the
previous ops' updates.
The models are the shared PyTorch expressions in launch/reference/i2i_reference/: CycleGAN as
junyanz/pytorch-CycleGAN-and-pix2pix (models/networks.py, models/cycle_gan_model.py), AGGAN as
AlamiMejjati/Unsupervised-Attention-guided-Image-to-Image-Translation's TensorFlow code (model.py,
layers.py, main.py) with TF's SAME padding alignment spelled out. Computation is in float64;
stored as float32.
"""
import copy
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "launch", "reference"))

import h5py  # noqa: E402
import torch  # noqa: E402

from i2i_reference.aggan_model import AGGAN, build_networks  # noqa: E402
from i2i_reference.cyclegan_model import CycleGAN  # noqa: E402
from i2i_reference.data import uniform_batches  # noqa: E402
from i2i_reference.fixture_io import output_folder, put, versions  # noqa: E402

DT = torch.float64
torch.manual_seed(7)


def write_networks(f, nets, write=put):
    g = f.create_group("networks")
    for name, net in nets.items():
        ng = g.create_group(name)
        for k, v in net.state_dict().items():
            write(ng, k, v)


def translation_fixture(out, f, G_A, size):
    """A PNG image and G_A's translation of it with the initial weights, for the test that a
    checkpoint built from PyTorch weights reproduces PyTorch's translation. Uses its own random
    generator so the golden run's draws do not change."""
    from PIL import Image
    g = torch.Generator().manual_seed(99)
    pixels = torch.randint(0, 256, (size, size, 3), generator=g, dtype=torch.uint8)
    Image.fromarray(pixels.numpy()).save(os.path.join(out, "translation_input.png"))
    x = pixels.permute(2, 0, 1).unsqueeze(0).to(DT) / 127.5 - 1
    with torch.no_grad():
        put(f.create_group("translation"), "G_A_output", G_A(x))


def cyclegan(out):
    ngf, ndf, blocks, size, n, steps = 4, 4, 2, 32, 2, 3
    # The pools hold fewer than 50 images during these steps, so they return their input.
    model = CycleGAN(ngf=ngf, ndf=ndf, n_blocks=blocks, dtype=DT)
    path = os.path.join(out, "cyclegan.h5")
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["torch_version"] = str(torch.__version__)
        for k, v in dict(ngf=ngf, ndf=ndf, blocks=blocks, size=size, batch=n, lr=2e-4).items():
            f.attrs[k] = v
        write_networks(f, model.nets)
        translation_fixture(out, f, model.G_A, size)
        for step, (a, b) in enumerate(uniform_batches(steps, n, size, DT)):
            s = f.create_group(f"step{step}")
            put(s, "a", a)
            put(s, "b", b)
            losses = model.step(a, b)
            lg = s.create_group("losses")
            for k in ("D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"):
                lg.attrs[k] = float(losses[k].detach())
            if step == 0:
                gg = s.create_group("grads")
                for name, net in model.nets.items():
                    ng = gg.create_group(name)
                    for k, p in net.named_parameters():
                        put(ng, k, p.grad)
    print("wrote", path)


def put_packed(group, name, t):
    """float32, shuffled and gzipped when large enough to gain (AGGAN's fixture is kept small)."""
    data = t.detach().to(torch.float32).numpy()
    extra = dict(compression="gzip", compression_opts=9, shuffle=True) if data.size >= 256 else {}
    group.create_dataset(name, data=data, **extra)


def aggan_run(f, nets, batches, lr, stage2, tau_stage2, lam=10.0, write_batches=True):
    """The TF training loop (main.py) for len(batches) iterations; writes losses and the
    step-0 gradients of every parameter a train op updates into group `f`."""
    model = AGGAN(nets, lr=lr, lambda_a=lam, lambda_b=lam)   # pools under 50 entries: they return their input
    for step, (a, b) in enumerate(batches):
        s = f.create_group(f"step{step}")
        if write_batches:
            put_packed(s, "a", a)
            put_packed(s, "b", b)
        losses, grads = model.iteration(a, b, stage2=stage2, tau=tau_stage2)
        lg = s.create_group("losses")
        for k, v in losses.items():
            lg.attrs[k] = float(v.detach())
        if step == 0:
            gg = s.create_group("grads")
            for name, net in nets.items():
                if all(id(p) not in grads for p in net.parameters()):
                    continue   # frozen attention (stage 2): no train op updates it
                ng = gg.create_group(name)
                for k, p in net.named_parameters():
                    put_packed(ng, k, grads[id(p)])   # zeros where no gradient reached (bypassed norms)
        print(" ".join(f"{k}={float(v.detach()):.6f}" for k, v in losses.items()))


def aggan(out):
    # Weights are drawn with σ 0.1 (generators, attention) and 0.2 (discriminators) rather than
    # TF's 0.02, so that the stage-2 discriminators, which run without instance norm, give
    # scores of order 1 and every term and gradient is well away from zero (the initialiser
    # itself is not under test here). ndf 2 keeps the file near 700 KB. lr is the official
    # base_lr; with Adam's ~lr·sign(g) steps a larger one makes the later train ops of an
    # iteration sensitive to float32 rounding in the earlier ones (see AGGANGoldenTests).
    ngf, ndf, blocks, size, n, steps, lr = 4, 2, 2, 32, 2, 3, 1e-4
    torch.manual_seed(11)
    nets = build_networks(ngf, ndf, blocks, init_stddev=0.1, discriminator_stddev=0.2, dtype=DT)
    initial = {k: copy.deepcopy(v) for k, v in nets.items()}
    data = [(x.float().double(), y.float().double()) for x, y in uniform_batches(steps, n, size, DT)]
    # Stage 2 threshold: in the middle of the real images' mask values, as far as possible from
    # any of them, so that float32 and float64 binarise every pixel alike.
    with torch.no_grad():
        values = torch.cat([torch.cat([nets["g_A_ae"](a).flatten(), nets["g_B_ae"](b).flatten()]) for a, b in data])
    values, _ = values.sort()
    lo, hi = int(0.4 * len(values)), int(0.6 * len(values))
    gaps = values[lo + 1:hi] - values[lo:hi - 1]
    j = int(gaps.argmax())
    tau = float((values[lo + j] + values[lo + j + 1]) / 2)
    margin = float(gaps[j] / 2)
    path = os.path.join(out, "aggan.h5")
    # File format of HDF5 1.10 at most: chunked (gzipped) datasets written with h5py's newest
    # layout message cannot be read by the libhdf5 1.10 of Debian 12 / Ubuntu 24.04.
    with h5py.File(path, "w", libver=("v110", "v110")) as f:
        f.attrs["torch_version"] = str(torch.__version__)
        for k, v in dict(ngf=ngf, ndf=ndf, blocks=blocks, size=size, batch=n, lr=lr, switch=30,
                         threshold=tau, threshold_margin=margin).items():
            f.attrs[k] = v
        write_networks(f, nets, put_packed)
        print("AGGAN stage 1 (epoch 0)")
        aggan_run(f, nets, data, lr, stage2=False, tau_stage2=tau)
        print(f"AGGAN stage 2 (epoch 30, τ = {tau:.6f}, margin {margin:.2e})")
        aggan_run(f.create_group("stage2"), initial, data, lr, stage2=True, tau_stage2=tau, write_batches=False)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    out, models = output_folder(HERE, "Writes the ModelsTests golden fixtures.", ["cyclegan", "aggan"])
    print(versions())
    for name in models:
        {"cyclegan": cyclegan, "aggan": aggan}[name](out)
