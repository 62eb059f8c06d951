#!/usr/bin/env python3
"""PyTorch reference for `i2i bench train`: a model's training step at batch 1, timed the same
way as i2i (warm-up steps, then the median of timed steps).

cyclegan: the official step (junyanz/pytorch-CycleGAN-and-pix2pix, `models/cycle_gan_model.py`)
with the official defaults: ResNet-9 generators (ngf 64, reflect padding, instance norm without
affine, biased convs, no dropout), 70×70 PatchGAN discriminators (ndf 64, 3 layers), LSGAN,
cycle λ 10, identity 0.5, Adam(2e-4, β 0.5/0.999), image pool 50.

aggan: one iteration of the official TensorFlow code (AlamiMejjati/Unsupervised-Attention-
guided-Image-to-Image-Translation, main.py) re-expressed in PyTorch as the model tests do
(Tests/ModelsTests/Fixtures/make_model_fixtures.py), at its defaults (ngf 32, ndf 64, 9 blocks,
attention net as executed, stage 1): four train ops, each recomputing the forward graph and
back-propagating into its own variables only (torch.autograd.grad), Adam(1e-4, β 0.5).

Prints one JSON object with the same field names as `i2i bench train --json`.

Usage: python3 launch/bench_pytorch.py [--model cyclegan|aggan] --size 128 [--steps 5]
       [--warmup 2] [--threads 2]
Tested with PyTorch 2.15 (CPU).
"""
import argparse
import json
import random
import resource
import statistics
import time

import torch
import torch.nn as nn


# MARK: - Networks (as networks.py builds them with norm='instance', use_dropout=False)

class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def resnet_generator(ngf=64, blocks=9):
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7, bias=True), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
    for i in range(2):
        mult = 2 ** i
        layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=True),
                   nn.InstanceNorm2d(ngf * mult * 2), nn.ReLU(True)]
    layers += [ResnetBlock(ngf * 4) for _ in range(blocks)]
    for i in range(2):
        mult = 2 ** (2 - i)
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1, bias=True),
                   nn.InstanceNorm2d(ngf * mult // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def patch_discriminator(ndf=64, n_layers=3):
    layers = [nn.Conv2d(3, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, n_layers):
        prev, mult = mult, min(2 ** n, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2, padding=1, bias=True),
                   nn.InstanceNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
    prev, mult = mult, min(2 ** n_layers, 8)
    layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=True),
               nn.InstanceNorm2d(ndf * mult), nn.LeakyReLU(0.2, True),
               nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
    return nn.Sequential(*layers)


def init_normal(net, gain=0.02):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, gain)
            nn.init.constant_(m.bias, 0.0)


class ImagePool:
    """util/image_pool.py: the first `size` images pass through; then half the time swap."""
    def __init__(self, size=50):
        self.size, self.images = size, []

    def query(self, image):
        image = image.detach()
        if len(self.images) < self.size:
            self.images.append(image)
            return image
        if random.uniform(0, 1) > 0.5:
            i = random.randint(0, self.size - 1)
            old = self.images[i].clone()
            self.images[i] = image
            return old
        return image


def set_requires_grad(nets, flag):
    for net in nets:
        for p in net.parameters():
            p.requires_grad = flag


# MARK: - The step (CycleGANModel.optimize_parameters)

class CycleGAN:
    def __init__(self):
        self.G_A, self.G_B = resnet_generator(), resnet_generator()
        self.D_A, self.D_B = patch_discriminator(), patch_discriminator()
        for net in (self.G_A, self.G_B, self.D_A, self.D_B):
            init_normal(net)
        self.opt_G = torch.optim.Adam(list(self.G_A.parameters()) + list(self.G_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(list(self.D_A.parameters()) + list(self.D_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
        self.pool_A, self.pool_B = ImagePool(), ImagePool()
        self.mse, self.l1 = nn.MSELoss(), nn.L1Loss()

    def gan_loss(self, pred, real):
        return self.mse(pred, torch.full_like(pred, 1.0 if real else 0.0))

    def step(self, real_A, real_B):
        fake_B = self.G_A(real_A)
        rec_A = self.G_B(fake_B)
        fake_A = self.G_B(real_B)
        rec_B = self.G_A(fake_A)
        # G_A and G_B
        set_requires_grad([self.D_A, self.D_B], False)
        self.opt_G.zero_grad()
        idt_A = self.G_A(real_B)
        loss_idt_A = self.l1(idt_A, real_B) * 10 * 0.5
        idt_B = self.G_B(real_A)
        loss_idt_B = self.l1(idt_B, real_A) * 10 * 0.5
        loss_G_A = self.gan_loss(self.D_A(fake_B), True)
        loss_G_B = self.gan_loss(self.D_B(fake_A), True)
        loss_cycle_A = self.l1(rec_A, real_A) * 10
        loss_cycle_B = self.l1(rec_B, real_B) * 10
        loss_G = loss_G_A + loss_G_B + loss_cycle_A + loss_cycle_B + loss_idt_A + loss_idt_B
        loss_G.backward()
        self.opt_G.step()
        # D_A and D_B
        set_requires_grad([self.D_A, self.D_B], True)
        self.opt_D.zero_grad()
        for net, real, fake in ((self.D_A, real_B, self.pool_B.query(fake_B)),
                                (self.D_B, real_A, self.pool_A.query(fake_A))):
            loss_real = self.gan_loss(net(real), True)
            loss_fake = self.gan_loss(net(fake.detach()), False)
            ((loss_real + loss_fake) * 0.5).backward()
        self.opt_D.step()
        return loss_G.item()


# MARK: - AGGAN (TensorFlow layers in PyTorch, float32)

class TFConv(nn.Module):
    """general_conv2d: padding ('valid' | 'same' | ('zero', p) | ('reflect', p)), conv, IN (affine), activation."""

    def __init__(self, i, o, k, s=1, pad="valid", norm=True, act="relu"):
        super().__init__()
        self.conv = nn.Conv2d(i, o, k, s)
        self.norm = nn.InstanceNorm2d(o, affine=True) if norm else None
        self.k, self.s, self.pad, self.act = k, s, pad, act

    def forward(self, x):
        if self.pad == "same":
            def pads(n):
                total = max((-(-n // self.s) - 1) * self.s + self.k - n, 0)
                return total // 2, total - total // 2
            (top, bottom), (left, right) = pads(x.shape[2]), pads(x.shape[3])
            x = nn.functional.pad(x, (left, right, top, bottom))
        elif self.pad != "valid":
            mode, p = self.pad
            x = nn.functional.pad(x, (p, p, p, p), mode="constant" if mode == "zero" else "reflect")
        y = self.conv(x)
        if self.norm is not None:
            y = self.norm(y)
        if self.act == "relu":
            y = torch.relu(y)
        elif self.act == "lrelu":
            y = nn.functional.leaky_relu(y, 0.2)
        return y


class TFDeconv(nn.Module):
    """general_deconv2d, 3×3 stride 2 'SAME': full transposed conv, crop to [0, 2H), IN, ReLU."""

    def __init__(self, i, o):
        super().__init__()
        self.conv = nn.ConvTranspose2d(i, o, 3, 2, padding=0)
        self.norm = nn.InstanceNorm2d(o, affine=True)

    def forward(self, x):
        h, w = x.shape[2] * 2, x.shape[3] * 2
        return torch.relu(self.norm(self.conv(x)[:, :, :h, :w]))


class TFResBlock(nn.Module):
    def __init__(self, c, mode):
        super().__init__()
        self.c1 = TFConv(c, c, 3, pad=(mode, 1))
        self.c2 = TFConv(c, c, 3, pad=(mode, 1), act=None)

    def forward(self, x):
        return torch.relu(x + self.c2(self.c1(x)))


def aggan_generator(ngf=32, blocks=9):
    return nn.Sequential(
        TFConv(3, ngf, 7, pad=("zero", 3)), TFConv(ngf, ngf * 2, 3, 2, pad="same"),
        TFConv(ngf * 2, ngf * 4, 3, 2, pad="same"), *[TFResBlock(ngf * 4, "zero") for _ in range(blocks)],
        TFDeconv(ngf * 4, ngf * 2), TFDeconv(ngf * 2, ngf), TFConv(ngf, 3, 7, pad="same", norm=False, act=None),
        nn.Tanh())


class AGGANAttention(nn.Module):
    """autoenc_upsample as executed: the last three convs are 1×1."""

    def __init__(self, ngf=32):
        super().__init__()
        self.c1 = TFConv(3, ngf, 7, 2, pad=("reflect", 3))
        self.c2 = TFConv(ngf, ngf * 2, 3, 2, pad="same")
        self.r1 = TFResBlock(ngf * 2, "reflect")
        self.c4 = TFConv(ngf * 2, ngf * 2, 1)
        self.c5 = TFConv(ngf * 2, ngf, 1)
        self.c6 = TFConv(ngf, 1, 1, norm=False, act=None)

    def forward(self, x):
        y = self.r1(self.c2(self.c1(x)))
        y = self.c4(nn.functional.interpolate(y, scale_factor=2, mode="nearest"))
        y = self.c5(nn.functional.interpolate(y, scale_factor=2, mode="nearest"))
        return torch.sigmoid(self.c6(y))


def aggan_discriminator(ndf=64):
    return nn.Sequential(
        TFConv(3, ndf, 4, 2, pad=("zero", 2), act="lrelu"), TFConv(ndf, ndf * 2, 4, 2, pad=("zero", 2), act="lrelu"),
        TFConv(ndf * 2, ndf * 4, 4, 2, pad=("zero", 2), act="lrelu"),
        TFConv(ndf * 4, ndf * 8, 4, 1, pad=("zero", 2), act="lrelu"),
        TFConv(ndf * 8, 1, 4, 1, pad=("zero", 2), norm=False, act=None))


class AGGAN:
    """One TF iteration in stage 1 (τ = 0: discriminators see whole images, IN on)."""

    def __init__(self):
        self.g_A, self.g_B = aggan_generator(), aggan_generator()
        self.g_A_ae, self.g_B_ae = AGGANAttention(), AGGANAttention()
        self.d_A, self.d_B = aggan_discriminator(), aggan_discriminator()
        for net in (self.g_A, self.g_B, self.g_A_ae, self.g_B_ae, self.d_A, self.d_B):
            for m in net.modules():
                if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                    nn.init.trunc_normal_(m.weight, 0.0, 0.02, -0.04, 0.04)
                    nn.init.zeros_(m.bias)
        self.vars = {
            "g_A": list(self.g_A.parameters()) + list(self.g_A_ae.parameters()),
            "d_B": list(self.d_B.parameters()),
            "g_B": list(self.g_B.parameters()) + list(self.g_B_ae.parameters()),
            "d_A": list(self.d_A.parameters()),
        }
        self.opt = {k: torch.optim.Adam(v, lr=1e-4, betas=(0.5, 0.999)) for k, v in self.vars.items()}
        self.pool_A, self.pool_B = ImagePool(), ImagePool()

    def train_op(self, name, loss):
        grads = torch.autograd.grad(loss, self.vars[name])
        for p, g in zip(self.vars[name], grads):
            p.grad = g
        self.opt[name].step()

    def cycle(self, a, b):
        compose = lambda gen, src, mask: gen * mask + src * (1 - mask)
        m_a, m_b = self.g_A_ae(a), self.g_B_ae(b)
        fake_b, fake_a = compose(self.g_A(a), a, m_a), compose(self.g_B(b), b, m_b)
        cyc_a = compose(self.g_B(fake_b), fake_b, self.g_B_ae(fake_b))
        cyc_b = compose(self.g_A(fake_a), fake_a, self.g_A_ae(fake_a))
        return m_a, m_b, fake_a, fake_b, 10 * (a - cyc_a).abs().mean() + 10 * (b - cyc_b).abs().mean()

    def step(self, a, b):
        _, _, _, fake_b, cycle = self.cycle(a, b)
        self.train_op("g_A", cycle + ((self.d_B(fake_b) - 1) ** 2).mean())
        fake = self.pool_B.query(fake_b)   # stage 1: τ = 0, so the masks do not reach the discriminators
        self.train_op("d_B", 0.5 * (((self.d_B(b) - 1) ** 2).mean() + (self.d_B(fake) ** 2).mean()))
        _, _, fake_a, _, cycle = self.cycle(a, b)
        self.train_op("g_B", cycle + ((self.d_A(fake_a) - 1) ** 2).mean())
        fake = self.pool_A.query(fake_a)
        self.train_op("d_A", 0.5 * (((self.d_A(a) - 1) ** 2).mean() + (self.d_A(fake) ** 2).mean()))
        return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cyclegan", choices=["cyclegan", "aggan"])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5, help="timed steps (the median is reported)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    model = CycleGAN() if args.model == "cyclegan" else AGGAN()
    real_A = torch.rand(1, 3, args.size, args.size) * 2 - 1
    real_B = torch.rand(1, 3, args.size, args.size) * 2 - 1
    for _ in range(args.warmup):
        model.step(real_A, real_B)
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        model.step(real_A, real_B)
        times.append(time.perf_counter() - start)
    print(json.dumps({
        "framework": "pytorch", "version": torch.__version__, "model": args.model, "size": args.size,
        "batch": 1, "ranks": 1, "threads": torch.get_num_threads(),
        "seconds_per_step": statistics.median(times), "seconds_all": times,
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
