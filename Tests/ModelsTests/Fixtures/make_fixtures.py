#!/usr/bin/env python3
"""Golden fixtures for i2i's model tests: a tiny CycleGAN and AGGAN trained for three steps.

Run with torch 2.15.0 (CPU), h5py 3.16, numpy 2.4:
    python3 Tests/ModelsTests/Fixtures/make_model_fixtures.py
It rewrites cyclegan.h5 and aggan.h5 next to this file (name one model to write only its file).

Each file holds
  /networks/<net>/<key>      initial weights (PyTorch state_dict names and layouts)
  /step<k>/a, /step<k>/b     the batch of step k ([N, 3, H, W] in [-1, 1])
  /step<k>/losses            attributes: every loss term before the update of step k
  /step0/grads/<net>/<key>   the gradient of every parameter in step 0 (generators from the
                             generator loss, discriminators from the discriminator loss)
aggan.h5 also holds /stage2/step<k>/losses and /stage2/step0/grads (the same run from the same
weights and batches in the second training stage; no gradients for the frozen attention
networks), the stage-2 threshold τ as a root attribute, and gradients of AGGAN's four train ops
(g_A with g_A_ae, d_B, g_B with g_B_ae, d_A), each taken after the previous ops' updates.
The models are expressed here in PyTorch from the reference descriptions
(reference/architectures.md §1 for CycleGAN; §2 for AGGAN's TensorFlow model, with TF's
SAME padding alignment spelled out). Computation is in float64; stored as float32.
"""
import copy
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


def translation_fixture(f, G_A, size):
    """A PNG image and G_A's translation of it with the initial weights, for the test that a
    checkpoint built from PyTorch weights reproduces PyTorch's translation. Uses its own random
    generator so the golden run's draws do not change."""
    from PIL import Image
    g = torch.Generator().manual_seed(99)
    pixels = torch.randint(0, 256, (size, size, 3), generator=g, dtype=torch.uint8)
    Image.fromarray(pixels.numpy()).save(os.path.join(HERE, "translation_input.png"))
    x = pixels.permute(2, 0, 1).unsqueeze(0).to(DT) / 127.5 - 1
    with torch.no_grad():
        put(f.create_group("translation"), "G_A_output", G_A(x))


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
        translation_fixture(f, G_A, size)
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

# ---------------------------------------------------------------------------------------------
# AGGAN: the official TensorFlow model (AlamiMejjati/Unsupervised-Attention-guided-Image-to-
# Image-Translation, model.py / layers.py / losses.py / main.py) re-expressed in PyTorch, NCHW,
# with TF's padding alignment written out: `SAME` convs pad per side from the input size (0
# before, 1 after for 3×3 stride 2 on even sizes); `conv2d_transpose(..., 'SAME')` is the full
# transposed conv (padding 0) cropped to its first in·stride rows and columns; the attention
# net's last three convs are 1×1 as executed; the discriminator zero-pads 2 before each conv.
# Instance norm is TF's: biased variance over H×W, eps 1e-5 inside the root, affine.
# Adam is TF's AdamOptimizer, one object for all train ops: per-parameter moments and one
# shared t (β-powers) that advances at every update, eps added to √v before the bias correction.


def tf_same_pad(x, k, s):
    def pads(n):
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    top, bottom = pads(x.shape[2])
    left, right = pads(x.shape[3])
    return F.pad(x, (left, right, top, bottom))


class TFInstanceNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))   # TF instance_norm/scale
        self.bias = nn.Parameter(torch.zeros(c))    # TF instance_norm/offset

    def forward(self, x):
        mean = x.mean(dim=(2, 3), keepdim=True)
        var = ((x - mean) ** 2).mean(dim=(2, 3), keepdim=True)
        return self.weight.view(1, -1, 1, 1) * (x - mean) / torch.sqrt(var + 1e-5) + self.bias.view(1, -1, 1, 1)


class TFConv(nn.Module):
    """general_conv2d: padding ('valid' | 'same' | ('zero', p) | ('reflect', p)), conv, IN, activation."""

    def __init__(self, i, o, k, s=1, pad="valid", norm=True, act="relu"):
        super().__init__()
        self.conv = nn.Conv2d(i, o, k, s)
        self.norm = TFInstanceNorm(o) if norm else None
        self.k, self.s, self.pad, self.act = k, s, pad, act

    def forward(self, x, donorm=True):
        if self.pad == "same":
            x = tf_same_pad(x, self.k, self.s)
        elif self.pad != "valid":
            mode, p = self.pad
            x = F.pad(x, (p, p, p, p), mode="constant" if mode == "zero" else "reflect")
        y = self.conv(x)
        if self.norm is not None and donorm:
            y = self.norm(y)
        if self.act == "relu":
            y = torch.relu(y)
        elif self.act == "lrelu":
            y = torch.where(y >= 0.2 * y, y, 0.2 * y)   # TF maximum(x, 0.2x): a tie sends the gradient to x
        return y


class TFDeconv(nn.Module):
    """general_deconv2d, 3×3 stride 2 'SAME': full transposed conv, crop to [0, 2H), IN, ReLU."""

    def __init__(self, i, o):
        super().__init__()
        self.conv = nn.ConvTranspose2d(i, o, 3, 2, padding=0)
        self.norm = TFInstanceNorm(o)

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


class AGGANGenerator(nn.Module):
    def __init__(self, ngf, n_blocks):
        super().__init__()
        self.c1 = TFConv(3, ngf, 7, pad=("zero", 3))
        self.c2 = TFConv(ngf, ngf * 2, 3, 2, pad="same")
        self.c3 = TFConv(ngf * 2, ngf * 4, 3, 2, pad="same")
        self.n_blocks = n_blocks
        for i in range(n_blocks):
            setattr(self, f"r{i + 1}", TFResBlock(ngf * 4, "zero"))
        self.c4 = TFDeconv(ngf * 4, ngf * 2)
        self.c5 = TFDeconv(ngf * 2, ngf)
        self.c6 = TFConv(ngf, 3, 7, pad="same", norm=False, act=None)

    def forward(self, x):
        y = self.c3(self.c2(self.c1(x)))
        for i in range(self.n_blocks):
            y = getattr(self, f"r{i + 1}")(y)
        return torch.tanh(self.c6(self.c5(self.c4(y))))


class AGGANAttention(nn.Module):
    """autoenc_upsample as executed: c4, c5, c6 are 1×1 (the kernel tuple lands in f_h)."""

    def __init__(self, ngf):
        super().__init__()
        self.c1 = TFConv(3, ngf, 7, 2, pad=("reflect", 3))
        self.c2 = TFConv(ngf, ngf * 2, 3, 2, pad="same")
        self.r1 = TFResBlock(ngf * 2, "reflect")
        self.c4 = TFConv(ngf * 2, ngf * 2, 1)
        self.c5 = TFConv(ngf * 2, ngf, 1)
        self.c6 = TFConv(ngf, 1, 1, norm=False, act=None)

    def forward(self, x):
        y = self.r1(self.c2(self.c1(x)))
        y = self.c4(F.interpolate(y, scale_factor=2, mode="nearest"))   # resize_images method 1
        y = self.c5(F.interpolate(y, scale_factor=2, mode="nearest"))
        return torch.sigmoid(self.c6(y))


class AGGANDiscriminator(nn.Module):
    def __init__(self, ndf):
        super().__init__()
        self.c1 = TFConv(3, ndf, 4, 2, pad=("zero", 2), act="lrelu")
        self.c2 = TFConv(ndf, ndf * 2, 4, 2, pad=("zero", 2), act="lrelu")
        self.c3 = TFConv(ndf * 2, ndf * 4, 4, 2, pad=("zero", 2), act="lrelu")
        self.c4 = TFConv(ndf * 4, ndf * 8, 4, 1, pad=("zero", 2), act="lrelu")
        self.c5 = TFConv(ndf * 8, 1, 4, 1, pad=("zero", 2), norm=False, act=None)

    def forward(self, x, mask, tau, donorm):
        x = x * (mask >= tau).to(x.dtype)   # tf.cast(tf.greater_equal(mask, transition_rate))
        for c in (self.c1, self.c2, self.c3, self.c4, self.c5):
            x = c(x, donorm)
        return x


def init_tf(net, std=0.02):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.trunc_normal_(m.weight, 0.0, std, -2 * std, 2 * std)
            nn.init.zeros_(m.bias)
        elif isinstance(m, TFInstanceNorm):
            nn.init.trunc_normal_(m.weight, 1.0, 0.02, 0.96, 1.04)
            nn.init.zeros_(m.bias)
    for p in net.parameters():   # start exactly from the float32 values the fixture stores
        p.data = p.data.float().double()


class TFAdam:
    """tf.train.AdamOptimizer shared by every train op: moments per parameter, one t."""

    def __init__(self, lr, beta1=0.5, beta2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, beta1, beta2, eps, 0
        self.m, self.v = {}, {}

    @torch.no_grad()
    def apply(self, params):
        self.t += 1
        lr_t = self.lr * (1 - self.b2 ** self.t) ** 0.5 / (1 - self.b1 ** self.t)
        for p in params:
            if p.grad is None:
                continue
            m = self.m.setdefault(id(p), torch.zeros_like(p))
            v = self.v.setdefault(id(p), torch.zeros_like(p))
            m += (p.grad - m) * (1 - self.b1)
            v += (p.grad * p.grad - v) * (1 - self.b2)
            p -= lr_t * m / (v.sqrt() + self.eps)


def put_packed(group, name, t):
    """float32, shuffled and gzipped when large enough to gain (AGGAN's fixture is kept small)."""
    data = t.detach().to(torch.float32).numpy()
    extra = dict(compression="gzip", compression_opts=9, shuffle=True) if data.size >= 256 else {}
    group.create_dataset(name, data=data, **extra)


def aggan_run(f, nets, batches, lr, stage2, tau_stage2, lam=10.0, write_batches=True):
    """The TF training loop (main.py) for len(batches) iterations; writes losses and the
    step-0 gradients of every parameter a train op updates into group `f`."""
    g_A, g_B, g_A_ae, g_B_ae, d_A, d_B = (nets[k] for k in ("g_A", "g_B", "g_A_ae", "g_B_ae", "d_A", "d_B"))
    tau, donorm = (tau_stage2, False) if stage2 else (0.0, True)
    opt = TFAdam(lr)
    all_params = [p for n in nets.values() for p in n.parameters()]
    pool_a, pool_b = [], []   # fewer than 50 entries here: the pool returns its input

    def compose(gen, src, mask):
        return gen * mask + src * (1 - mask)

    def forward(a, b):
        m_a, m_b = g_A_ae(a), g_B_ae(b)
        fake_b, fake_a = compose(g_A(a), a, m_a), compose(g_B(b), b, m_b)
        cyc_a = compose(g_B(fake_b), fake_b, g_B_ae(fake_b))
        cyc_b = compose(g_A(fake_a), fake_a, g_A_ae(fake_a))
        cycle_a = lam * (a - cyc_a).abs().mean()
        cycle_b = lam * (b - cyc_b).abs().mean()
        return m_a, m_b, fake_a, fake_b, cycle_a, cycle_b

    def train_op(loss, params):
        for p in all_params:
            p.grad = None
        loss.backward()
        grads = {id(p): (p.grad.clone() if p.grad is not None else torch.zeros_like(p)) for p in params}
        opt.apply(params)
        return grads

    def d_loss(d, real, real_mask, fake, fake_mask):
        lr_ = ((d(real, real_mask, tau, donorm) - 1) ** 2).mean()
        lf_ = (d(fake, fake_mask, tau, donorm) ** 2).mean()
        return 0.5 * (lr_ + lf_), lr_, lf_

    g_A_vars = list(g_A.parameters()) + ([] if stage2 else list(g_A_ae.parameters()))
    g_B_vars = list(g_B.parameters()) + ([] if stage2 else list(g_B_ae.parameters()))
    for step, (a, b) in enumerate(batches):
        s = f.create_group(f"step{step}")
        if write_batches:
            put_packed(s, "a", a)
            put_packed(s, "b", b)
        losses, grads = {}, {}
        # g_A (+ g_A_ae) op
        m_a, m_b, fake_a, fake_b, cyc_a, cyc_b = forward(a, b)
        gan = ((d_B(fake_b, m_a, tau, donorm) - 1) ** 2).mean()
        g_loss_A = cyc_a + cyc_b + gan
        losses.update(g_A=g_loss_A, g_A_gan=gan, g_A_cycle_a=cyc_a, g_A_cycle_b=cyc_b)
        grads.update(train_op(g_loss_A, g_A_vars))
        pool_b.append((fake_b.detach(), m_a.detach()))
        # d_B op (g_B_ae unchanged, the TF graph recomputes it anyway)
        total, lr_, lf_ = d_loss(d_B, b, g_B_ae(b).detach(), pool_b[-1][0], pool_b[-1][1])
        losses.update(d_B=total, d_B_real=lr_, d_B_fake=lf_)
        grads.update(train_op(total, list(d_B.parameters())))
        # g_B (+ g_B_ae) op, recomputed with the updated g_A, g_A_ae and d_B
        m_a, m_b, fake_a, fake_b, cyc_a, cyc_b = forward(a, b)
        gan = ((d_A(fake_a, m_b, tau, donorm) - 1) ** 2).mean()
        g_loss_B = cyc_b + cyc_a + gan
        losses.update(g_B=g_loss_B, g_B_gan=gan, g_B_cycle_a=cyc_a, g_B_cycle_b=cyc_b)
        grads.update(train_op(g_loss_B, g_B_vars))
        pool_a.append((fake_a.detach(), m_b.detach()))
        # d_A op
        total, lr_, lf_ = d_loss(d_A, a, g_A_ae(a).detach(), pool_a[-1][0], pool_a[-1][1])
        losses.update(d_A=total, d_A_real=lr_, d_A_fake=lf_)
        grads.update(train_op(total, list(d_A.parameters())))
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


def aggan():
    # Weights are drawn with σ 0.1 (generators, attention) and 0.2 (discriminators) rather than
    # TF's 0.02, so that the stage-2 discriminators, which run without instance norm, give
    # scores of order 1 and every term and gradient is well away from zero (the initialiser
    # itself is not under test here). ndf 2 keeps the file near 700 KB. lr is the official
    # base_lr; with Adam's ~lr·sign(g) steps a larger one makes the later train ops of an
    # iteration sensitive to float32 rounding in the earlier ones (see AGGANGoldenTests).
    ngf, ndf, blocks, size, n, steps, lr = 4, 2, 2, 32, 2, 3, 1e-4
    torch.manual_seed(11)
    nets = {"g_A": AGGANGenerator(ngf, blocks), "g_B": AGGANGenerator(ngf, blocks),
            "g_A_ae": AGGANAttention(ngf), "g_B_ae": AGGANAttention(ngf),
            "d_A": AGGANDiscriminator(ndf), "d_B": AGGANDiscriminator(ndf)}
    for net in nets.values():
        net.double()
        init_tf(net, 0.2 if isinstance(net, AGGANDiscriminator) else 0.1)
    initial = {k: copy.deepcopy(v) for k, v in nets.items()}
    data = [(x.float().double(), y.float().double()) for x, y in batches(steps, n, size)]
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
    path = os.path.join(HERE, "aggan.h5")
    # File format of HDF5 1.10 at most: chunked (gzipped) datasets written with h5py's newest
    # layout message cannot be read by the libhdf5 1.10 of Debian 12 / Ubuntu 24.04.
    with h5py.File(path, "w", libver=("v110", "v110")) as f:
        f.attrs["torch_version"] = str(torch.__version__)
        for k, v in dict(ngf=ngf, ndf=ndf, blocks=blocks, size=size, batch=n, lr=lr, switch=30,
                         threshold=tau, threshold_margin=margin).items():
            f.attrs[k] = v
        g = f.create_group("networks")
        for name, net in nets.items():
            ng = g.create_group(name)
            for k, v in net.state_dict().items():
                put_packed(ng, k, v)
        print("AGGAN stage 1 (epoch 0)")
        aggan_run(f, nets, data, lr, stage2=False, tau_stage2=tau)
        print(f"AGGAN stage 2 (epoch 30, τ = {tau:.6f}, margin {margin:.2e})")
        aggan_run(f.create_group("stage2"), initial, data, lr, stage2=True, tau_stage2=tau, write_batches=False)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    import sys
    for name in sys.argv[1:] or ["cyclegan", "aggan"]:   # e.g. `... make_model_fixtures.py aggan`
        {"cyclegan": cyclegan, "aggan": aggan}[name]()
