#!/usr/bin/env python3
"""PyTorch reference for `i2i bench train`: the official CycleGAN training step
(junyanz/pytorch-CycleGAN-and-pix2pix, `models/cycle_gan_model.py`) at batch 1, timed the
same way as i2i (warm-up steps, then the median of timed steps).

Network, losses and optimisers follow the official defaults: ResNet-9 generators (ngf 64,
reflect padding, instance norm without affine, biased convs, no dropout), 70×70 PatchGAN
discriminators (ndf 64, 3 layers), LSGAN, cycle λ 10, identity 0.5, Adam(2e-4, β 0.5/0.999),
image pool 50. Prints one JSON object with the same field names as `i2i bench train --json`.

Usage: python3 launch/bench_pytorch.py --size 128 [--steps 5] [--warmup 2] [--threads 2]
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cyclegan", choices=["cyclegan"])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5, help="timed steps (the median is reported)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    model = CycleGAN()
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
        "framework": "pytorch", "version": torch.__version__, "model": "cyclegan", "size": args.size,
        "batch": 1, "ranks": 1, "threads": torch.get_num_threads(),
        "seconds_per_step": statistics.median(times), "seconds_all": times,
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
