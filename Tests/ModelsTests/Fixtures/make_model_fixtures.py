#!/usr/bin/env python3
"""Golden fixtures for i2i's model tests: a tiny CycleGAN and AGGAN trained for three steps.

Run with torch 2.15.0 (CPU), h5py 3.16, numpy 2.4:
    python3 Tests/ModelsTests/Fixtures/make_model_fixtures.py
It rewrites cyclegan.h5 and aggan.h5 next to this file.

Each file holds
  /networks/<net>/<key>      initial weights (PyTorch state_dict names and layouts)
  /step<k>/a, /step<k>/b     the batch of step k ([N, 3, H, W] in [-1, 1])
  /step<k>/losses            attributes: every loss term before the update of step k
  /step0/grads/<net>/<key>   the gradient of every parameter in step 0 (generators from the
                             generator loss, discriminators from the discriminator loss)
The models are expressed here in PyTorch from the reference descriptions
(reference/architectures.md §1 for CycleGAN; §2 for AGGAN's TensorFlow model, with TF's
SAME padding alignment spelled out). Computation is in float64; stored as float32.
"""
import os

import h5py
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DT = torch.float64
torch.manual_seed(7)


def put(group, name, t):
    group.create_dataset(name, data=t.detach().to(torch.float32).numpy())


# ---------------------------------------------------------------------------------------------
# CycleGAN (official PyTorch structure)


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, ngf, n_blocks):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        for i in range(2):
            m = 2 ** i
            layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(ngf * m * 2),
                       nn.ReLU(True)]
        for _ in range(n_blocks):
            layers.append(ResnetBlock(ngf * 4))
        for i in range(2):
            m = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.InstanceNorm2d(ngf * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, ndf, n_layers=3):
        super().__init__()
        seq = [nn.Conv2d(3, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2, padding=1), nn.InstanceNorm2d(ndf * mult),
                    nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1), nn.InstanceNorm2d(ndf * mult),
                nn.LeakyReLU(0.2, True), nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


def init_normal(net, gain=0.02):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def write_networks(f, nets):
    g = f.create_group("networks")
    for name, net in nets.items():
        ng = g.create_group(name)
        for k, v in net.state_dict().items():
            put(ng, k, v)


def batches(steps, n, size):
    return [(torch.rand(n, 3, size, size, dtype=DT) * 2 - 1, torch.rand(n, 3, size, size, dtype=DT) * 2 - 1)
            for _ in range(steps)]


def cyclegan():
    ngf, ndf, blocks, size, n, steps = 4, 4, 2, 32, 2, 3
    lam_a = lam_b = 10.0
    lam_idt = 0.5
    G_A, G_B = ResnetGenerator(ngf, blocks).double(), ResnetGenerator(ngf, blocks).double()
    D_A, D_B = NLayerDiscriminator(ndf).double(), NLayerDiscriminator(ndf).double()
    nets = {"G_A": G_A, "G_B": G_B, "D_A": D_A, "D_B": D_B}
    for net in nets.values():
        init_normal(net)
    path = os.path.join(HERE, "cyclegan.h5")
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["torch_version"] = str(torch.__version__)
        for k, v in dict(ngf=ngf, ndf=ndf, blocks=blocks, size=size, batch=n, lr=2e-4).items():
            f.attrs[k] = v
        write_networks(f, nets)
        opt_g = torch.optim.Adam(list(G_A.parameters()) + list(G_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(list(D_A.parameters()) + list(D_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
        mse, l1 = nn.MSELoss(), nn.L1Loss()
        for step, (a, b) in enumerate(batches(steps, n, size)):
            s = f.create_group(f"step{step}")
            put(s, "a", a)
            put(s, "b", b)
            fake_b = G_A(a)
            rec_a = G_B(fake_b)
            fake_a = G_B(b)
            rec_b = G_A(fake_a)
            for p in list(D_A.parameters()) + list(D_B.parameters()):
                p.requires_grad_(False)
            opt_g.zero_grad()
            idt_a = l1(G_A(b), b) * lam_b * lam_idt
            idt_b = l1(G_B(a), a) * lam_a * lam_idt
            pa, pb = D_A(fake_b), D_B(fake_a)
            g_a = mse(pa, torch.ones_like(pa))
            g_b = mse(pb, torch.ones_like(pb))
            cyc_a = l1(rec_a, a) * lam_a
            cyc_b = l1(rec_b, b) * lam_b
            loss_g = g_a + g_b + cyc_a + cyc_b + idt_a + idt_b
            loss_g.backward()
            opt_g.step()
            for p in list(D_A.parameters()) + list(D_B.parameters()):
                p.requires_grad_(True)
            opt_d.zero_grad()
            # The pool holds fewer than 50 images during these steps, so it returns its input.
            def d_loss(d, real, fake):
                pr, pf = d(real), d(fake.detach())
                return (mse(pr, torch.ones_like(pr)) + mse(pf, torch.zeros_like(pf))) * 0.5
            d_a = d_loss(D_A, b, fake_b)
            d_b = d_loss(D_B, a, fake_a)
            (d_a + d_b).backward()
            losses = dict(D_A=d_a, G_A=g_a, cycle_A=cyc_a, idt_A=idt_a, D_B=d_b, G_B=g_b, cycle_B=cyc_b, idt_B=idt_b)
            lg = s.create_group("losses")
            for k, v in losses.items():
                lg.attrs[k] = float(v.detach())
            if step == 0:
                gg = s.create_group("grads")
                for name, net in nets.items():
                    ng = gg.create_group(name)
                    for k, p in net.named_parameters():
                        put(ng, k, p.grad)
            opt_d.step()
    print("wrote", path)


if __name__ == "__main__":
    cyclegan()
