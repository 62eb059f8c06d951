#!/usr/bin/env python3
"""Writes the reference fixtures for i2i's NN layer, optimiser and schedule tests.

Run with Python 3.11.7, torch 2.15.0+cu132 (on the CPU), numpy 2.4.6, h5py 3.16.0 (HDF5 2.0.0).
Regenerate (from anywhere; `launch/make-fixtures` runs every generator):
    python3 Tests/NNTests/Fixtures/make_fixtures.py [--out DIR]
It rewrites layers.h5, optim.h5 and schedules.h5 next to this file, or in DIR.

Each layer case is a group holding
  attrs         construction parameters
  state/<key>   the module's state_dict (PyTorch names and layouts) *before* the forward
  inputs/<n>    inputs
  R             a fixed random tensor; the loss is (output * R).sum()
  output        the forward output
  grads/inputs/<n>, grads/params/<key>   gradients of the loss
  state_after/<key>   buffers after the forward (spectral norm's u and v)
References are computed in float64 and stored as float32.

CycleGAN's residual block and learning-rate rule come from the shared PyTorch expressions in
launch/reference/i2i_reference/ (junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py). The
layers that PyTorch does not ship are re-expressed below from their official code: MUNIT's
LayerNorm, AdaIN and residual blocks (NVlabs/MUNIT networks.py), U-GAT-IT's adaILN and ILN
(znxlwm/UGATIT-pytorch networks.py), CoCosNet's positional norm and SPADE (microsoft/CoCosNet
models/networks/), SAGAN's self-attention and the BigGAN-style pooled attention.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "launch", "reference"))

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from i2i_reference.cyclegan_model import linear_rule  # noqa: E402
from i2i_reference.cyclegan_networks import ResnetBlock  # noqa: E402
from i2i_reference.fixture_io import output_folder, put, versions  # noqa: E402

torch.manual_seed(1234)
np.random.seed(1234)
DT = torch.float64
OUT = HERE


def rnd(*shape, scale=1.0):
    return (torch.randn(*shape, dtype=DT) * scale)


# ---------------------------------------------------------------------------------------------
# Re-expressed reference layers


class MunitLayerNorm(nn.Module):
    """Per-sample mean and unbiased std over C·H·W; (x − mean)/(std + eps); per-channel γ, β."""

    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.rand(c, dtype=DT))
        self.beta = nn.Parameter(torch.zeros(c, dtype=DT))

    def forward(self, x):
        flat = x.reshape(x.size(0), -1)
        mean = flat.mean(1).view(-1, 1, 1, 1)
        std = flat.std(1).view(-1, 1, 1, 1)
        y = (x - mean) / (std + self.eps)
        return y * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)


class AdaIN(nn.Module):
    """Instance norm (biased variance) with externally assigned per-sample scale and shift."""

    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.c, self.eps = c, eps
        self.weight = None
        self.bias = None
        self.register_buffer("running_mean", torch.zeros(c, dtype=DT))
        self.register_buffer("running_var", torch.ones(c, dtype=DT))

    def forward(self, x):
        b, c = x.shape[:2]
        y = F.instance_norm(x, eps=self.eps)
        return y * self.weight.view(b, c, 1, 1) + self.bias.view(b, c, 1, 1)


def assign_adain(params, module):
    """For each AdaIN layer in module order: first C columns are the bias, next C the weight."""
    for m in module.modules():
        if isinstance(m, AdaIN):
            c = m.c
            m.bias = params[:, :c].contiguous().view(-1)
            m.weight = params[:, c:2 * c].contiguous().view(-1)
            params = params[:, 2 * c:]


class ConvBlock(nn.Module):
    """pad → conv → norm → activation, MUNIT's naming (conv.*, norm.*)."""

    def __init__(self, cin, cout, k, s, p, norm, act, pad):
        super().__init__()
        self.pad = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d, "zero": nn.ZeroPad2d}[pad](p)
        self.norm = {"in": lambda: nn.InstanceNorm2d(cout), "ln": lambda: MunitLayerNorm(cout),
                     "adain": lambda: AdaIN(cout), "none": lambda: None}[norm]()
        self.act = act
        self.conv = nn.Conv2d(cin, cout, k, s, bias=True).double()

    def forward(self, x):
        y = self.conv(self.pad(x))
        if self.norm is not None:
            y = self.norm(y)
        return {"relu": F.relu, "none": lambda t: t, "lrelu": lambda t: F.leaky_relu(t, 0.2)}[self.act](y)


class MunitResBlock(nn.Module):
    def __init__(self, c, norm, pad):
        super().__init__()
        self.model = nn.Sequential(ConvBlock(c, c, 3, 1, 1, norm, "relu", pad), ConvBlock(c, c, 3, 1, 1, norm, "none", pad))

    def forward(self, x):
        return self.model(x) + x


class AdaILNRef(nn.Module):
    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.full((1, c, 1, 1), 0.9, dtype=DT))

    def forward(self, x, gamma, beta):
        i_mean, i_var = x.mean([2, 3], keepdim=True), x.var([2, 3], keepdim=True)
        l_mean, l_var = x.mean([1, 2, 3], keepdim=True), x.var([1, 2, 3], keepdim=True)
        out_i = (x - i_mean) / torch.sqrt(i_var + self.eps)
        out_l = (x - l_mean) / torch.sqrt(l_var + self.eps)
        rho = self.rho.expand(x.shape[0], -1, -1, -1)
        out = rho * out_i + (1 - rho) * out_l
        return out * gamma.unsqueeze(2).unsqueeze(3) + beta.unsqueeze(2).unsqueeze(3)


class ILNRef(nn.Module):
    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.zeros(1, c, 1, 1, dtype=DT))
        self.gamma = nn.Parameter(torch.ones(1, c, 1, 1, dtype=DT))
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1, dtype=DT))

    def forward(self, x):
        i_mean, i_var = x.mean([2, 3], keepdim=True), x.var([2, 3], keepdim=True)
        l_mean, l_var = x.mean([1, 2, 3], keepdim=True), x.var([1, 2, 3], keepdim=True)
        out_i = (x - i_mean) / torch.sqrt(i_var + self.eps)
        out_l = (x - l_mean) / torch.sqrt(l_var + self.eps)
        rho = self.rho.expand(x.shape[0], -1, -1, -1)
        out = rho * out_i + (1 - rho) * out_l
        return out * self.gamma.expand(x.shape[0], -1, -1, -1) + self.beta.expand(x.shape[0], -1, -1, -1)


class AdaILNBlockRef(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pad1 = nn.ReflectionPad2d(1)
        self.conv1 = nn.Conv2d(c, c, 3, bias=False).double()
        self.norm1 = AdaILNRef(c)
        self.relu1 = nn.ReLU()
        self.pad2 = nn.ReflectionPad2d(1)
        self.conv2 = nn.Conv2d(c, c, 3, bias=False).double()
        self.norm2 = AdaILNRef(c)

    def forward(self, x, gamma, beta):
        out = self.relu1(self.norm1(self.conv1(self.pad1(x)), gamma, beta))
        out = self.norm2(self.conv2(self.pad2(out)), gamma, beta)
        return out + x


def pono(x, eps=1e-5):
    mean = x.mean(1, keepdim=True)
    std = (x.var(1, keepdim=True) + eps).sqrt()
    return (x - mean) / std


class SPADERef(nn.Module):
    def __init__(self, c, cond, hidden=128):
        super().__init__()
        self.mlp_shared = nn.Sequential(nn.Conv2d(cond, hidden, 3, padding=1), nn.ReLU()).double()
        self.mlp_gamma = nn.Conv2d(hidden, c, 3, padding=1).double()
        self.mlp_beta = nn.Conv2d(hidden, c, 3, padding=1).double()

    def forward(self, x, cond):
        normalized = pono(x)
        cond = F.interpolate(cond, size=x.shape[2:], mode="nearest")
        actv = self.mlp_shared(cond)
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class SAGANRef(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.query_conv = nn.Conv2d(c, c // 8, 1).double()
        self.key_conv = nn.Conv2d(c, c // 8, 1).double()
        self.value_conv = nn.Conv2d(c, c, 1).double()
        self.gamma = nn.Parameter(torch.tensor([0.7], dtype=DT))

    def forward(self, x):
        b, c, h, w = x.shape
        n = h * w
        q = self.query_conv(x).view(b, -1, n).permute(0, 2, 1)
        k = self.key_conv(x).view(b, -1, n)
        attn = torch.softmax(torch.bmm(q, k), dim=-1)
        v = self.value_conv(x).view(b, -1, n)
        out = torch.bmm(v, attn.permute(0, 2, 1)).view(b, c, h, w)
        return self.gamma * out + x


class PooledAttentionRef(nn.Module):
    def __init__(self, c):
        super().__init__()
        sn = nn.utils.spectral_norm
        self.theta = sn(nn.Conv2d(c, c // 8, 1, bias=False).double())
        self.phi = sn(nn.Conv2d(c, c // 8, 1, bias=False).double())
        self.g = sn(nn.Conv2d(c, c // 2, 1, bias=False).double())
        self.o = sn(nn.Conv2d(c // 2, c, 1, bias=False).double())
        self.gamma = nn.Parameter(torch.tensor([0.6], dtype=DT))

    def forward(self, x):
        b, c, h, w = x.shape
        theta = self.theta(x).view(b, c // 8, h * w)
        phi = F.max_pool2d(self.phi(x), 2).view(b, c // 8, h * w // 4)
        g = F.max_pool2d(self.g(x), 2).view(b, c // 2, h * w // 4)
        beta = torch.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(b, c // 2, h, w))
        return self.gamma * o + x


class ResnetBlockReluAfter(ResnetBlock):
    """CycleGAN's block with AGGAN's ReLU after the residual sum (i2i's NN ResnetBlock with
    reluAfterSum; AGGAN's own blocks, with TF scopes, are tested in ModelsTests)."""

    def forward(self, x):
        return F.relu(super().forward(x))


# ---------------------------------------------------------------------------------------------
# Writing


def randomize_affine(module):
    """Give norm parameters non-trivial values so their gradients are tested."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("gamma") or name.endswith("rho") or (name.endswith("weight") and p.dim() == 1):
                p.copy_(torch.rand_like(p) * 0.8 + 0.2)
            elif name.endswith("beta") or (name.endswith("bias") and p.dim() == 1 and "conv" not in name):
                p.copy_(torch.randn_like(p) * 0.3)


def write_case(f, name, module, inputs, attrs=None, forward=None, train=True, extra_state=None):
    module.train(train)
    g = f.create_group(name)
    for k, v in (attrs or {}).items():
        g.attrs[k] = v
    st = g.create_group("state")
    for k, v in module.state_dict().items():
        put(st, k, v)
    gi = g.create_group("inputs")
    leaves = {}
    for k, v in inputs.items():
        leaf = v.clone().requires_grad_(True)
        leaves[k] = leaf
        put(gi, k, v)
    out = forward(module, leaves) if forward else module(*leaves.values())
    r = rnd(*out.shape)
    put(g, "R", r)
    put(g, "output", out)
    (out * r).sum().backward()
    gg = g.create_group("grads")
    ginp = gg.create_group("inputs")
    for k, leaf in leaves.items():
        put(ginp, k, leaf.grad if leaf.grad is not None else torch.zeros_like(leaf))
    gp = gg.create_group("params")
    for k, p in module.named_parameters():
        put(gp, k, p.grad if p.grad is not None else torch.zeros_like(p))
    sa = g.create_group("state_after")
    for k, v in module.state_dict().items():
        put(sa, k, v)


def layers_file():
    path = os.path.join(OUT, "layers.h5")
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["torch_version"] = str(torch.__version__)
        x = rnd(2, 3, 7, 6)
        write_case(f, "conv_reflect", nn.Conv2d(3, 5, 3, padding=1, padding_mode="reflect").double(), {"x": x},
                   attrs={"in": 3, "out": 5, "k": 3, "stride": 1, "pad": 1, "mode": "reflect"})
        write_case(f, "conv_replicate_s2", nn.Conv2d(3, 4, 3, stride=2, padding=1, padding_mode="replicate").double(),
                   {"x": x}, attrs={"in": 3, "out": 4, "k": 3, "stride": 2, "pad": 1, "mode": "replicate"})
        write_case(f, "conv_transpose", nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1).double(),
                   {"x": rnd(2, 4, 5, 5)}, attrs={"in": 4, "out": 3, "k": 3, "stride": 2, "pad": 1, "output_pad": 1})
        write_case(f, "linear", nn.Linear(6, 4).double(), {"x": rnd(3, 6)}, attrs={"in": 6, "out": 4})
        # Spectral norm: three training forwards; the case stores the state after the third.
        sn = nn.utils.spectral_norm(nn.Conv2d(4, 6, 4, stride=2, padding=1).double())
        g = f.create_group("conv_sn_steps")
        st = g.create_group("state")
        for k, v in sn.state_dict().items():
            put(st, k, v)
        xs = [rnd(2, 4, 8, 8) for _ in range(3)]
        for i, xi in enumerate(xs):
            s = g.create_group(f"step{i}")
            put(s, "x", xi)
            out = sn(xi)
            put(s, "output", out)
            put(s, "weight_u", sn.weight_u)
            put(s, "weight_v", sn.weight_v)
            put(s, "weight", sn.weight)
        write_case(f, "conv_sn", nn.utils.spectral_norm(nn.Conv2d(4, 6, 4, stride=2, padding=1).double()),
                   {"x": rnd(2, 4, 8, 8)}, attrs={"in": 4, "out": 6, "k": 4, "stride": 2, "pad": 1})
        write_case(f, "linear_sn_eval", nn.utils.spectral_norm(nn.Linear(5, 3, bias=False).double()),
                   {"x": rnd(2, 5)}, attrs={"in": 5, "out": 3}, train=False)
        m = nn.InstanceNorm2d(4, affine=True).double()
        randomize_affine(m)
        write_case(f, "instance_norm_affine", m, {"x": rnd(2, 4, 5, 6)}, attrs={"c": 4})
        write_case(f, "instance_norm", nn.InstanceNorm2d(4).double(), {"x": rnd(2, 4, 5, 6)}, attrs={"c": 4})
        m = MunitLayerNorm(4)
        write_case(f, "layer_norm", m, {"x": rnd(2, 4, 5, 5)}, attrs={"c": 4})
        write_case(f, "layer_norm_batch1", MunitLayerNorm(3), {"x": rnd(1, 3, 4, 5)}, attrs={"c": 3})
        m = AdaILNRef(4)
        randomize_affine(m)
        write_case(f, "adailn", m, {"x": rnd(2, 4, 5, 5), "gamma": rnd(2, 4), "beta": rnd(2, 4)},
                   forward=lambda mod, i: mod(i["x"], i["gamma"], i["beta"]), attrs={"c": 4})
        m = ILNRef(4)
        randomize_affine(m)
        write_case(f, "iln", m, {"x": rnd(2, 4, 5, 5)}, attrs={"c": 4})
        write_case(f, "pono", nn.Identity(), {"x": rnd(2, 5, 3, 4)}, forward=lambda mod, i: pono(i["x"]))
        write_case(f, "spade", SPADERef(4, 3, hidden=8), {"x": rnd(2, 4, 4, 4), "cond": rnd(2, 3, 8, 8)},
                   forward=lambda mod, i: mod(i["x"], i["cond"]), attrs={"c": 4, "cond": 3, "hidden": 8})
        write_case(f, "self_attention", SAGANRef(16), {"x": rnd(2, 16, 3, 4)}, attrs={"c": 16})
        write_case(f, "pooled_attention", PooledAttentionRef(16), {"x": rnd(2, 16, 4, 4)}, attrs={"c": 16})
        for pad in ["reflect", "zero"]:
            m = ResnetBlock(4, pad).double()
            write_case(f, f"resnet_block_{pad}", m, {"x": rnd(2, 4, 6, 6)}, attrs={"c": 4})
        m = ResnetBlockReluAfter(4, "zero", norm_layer=lambda c: nn.InstanceNorm2d(c, affine=True)).double()
        randomize_affine(m)
        write_case(f, "resnet_block_aggan", m, {"x": rnd(2, 4, 6, 6)}, attrs={"c": 4})
        for norm in ["in", "ln"]:
            write_case(f, f"munit_resblock_{norm}", MunitResBlock(4, norm, "reflect"), {"x": rnd(2, 4, 5, 5)},
                       attrs={"c": 4})
        m = AdaILNBlockRef(4)
        randomize_affine(m)
        write_case(f, "adailn_block", m, {"x": rnd(2, 4, 5, 5), "gamma": rnd(2, 4), "beta": rnd(2, 4)},
                   forward=lambda mod, i: mod(i["x"], i["gamma"], i["beta"]), attrs={"c": 4})
        # AdaIN assignment: two AdaIN residual blocks fed by a [B, 32] parameter vector.
        dec = nn.Sequential(MunitResBlock(4, "adain", "reflect"), MunitResBlock(4, "adain", "reflect"))

        def adain_forward(mod, i):
            assign_adain(i["params"], mod)
            return mod(i["x"])
        write_case(f, "adain_decoder", dec, {"x": rnd(2, 4, 5, 5), "params": rnd(2, 32)}, forward=adain_forward,
                   attrs={"c": 4})
        m = nn.PReLU().double()
        write_case(f, "prelu", m, {"x": rnd(2, 3, 4)}, attrs={})
    print("wrote", path)


def optim_file():
    path = os.path.join(OUT, "optim.h5")
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["torch_version"] = str(torch.__version__)
        for name, kw in [("adam_wd", dict(lr=2e-3, betas=(0.5, 0.999), eps=1e-8, weight_decay=1e-2)),
                         ("adam_ttur", dict(lr=1e-3, betas=(0.0, 0.9), eps=1e-3, weight_decay=0.0)),
                         ("adam_default", dict(lr=1e-2))]:
            g = f.create_group(name)
            for k, v in kw.items():
                g.attrs[k] = np.array(v, dtype=np.float64)
            p1 = torch.randn(3, 4, dtype=torch.float32)
            p2 = torch.randn(5, dtype=torch.float32)
            put(g, "p0_init", p1)
            put(g, "p1_init", p2)
            params = [p1.clone().requires_grad_(True), p2.clone().requires_grad_(True)]
            opt = torch.optim.Adam(params, **kw)
            for step in range(5):
                grads = [torch.randn_like(p) for p in params]
                for p, gr in zip(params, grads):
                    p.grad = gr.clone()
                s = g.create_group(f"step{step}")
                put(s, "g0", grads[0])
                put(s, "g1", grads[1])
                opt.step()
                put(s, "p0", params[0])
                put(s, "p1", params[1])
    print("wrote", path)


def schedules_file():
    path = os.path.join(OUT, "schedules.h5")
    dummy = [torch.zeros(1, requires_grad=True)]
    with h5py.File(path, "w", libver=("earliest", "v110")) as f:
        f.attrs["torch_version"] = str(torch.__version__)
        # CycleGAN: LambdaLR stepped at the start of every epoch after the first (2020 code).
        n_epochs, n_decay, epoch_count = 3, 4, 1
        opt = torch.optim.Adam(dummy, lr=2e-4)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=linear_rule(n_epochs, n_decay, epoch_count))
        lrs = []
        for epoch in range(epoch_count, n_epochs + n_decay + 1):
            sched.step()  # "update learning rates in the beginning of every epoch"
            lrs.append(opt.param_groups[0]["lr"])
        g = f.create_group("cyclegan")
        g.attrs["n_epochs"], g.attrs["n_epochs_decay"], g.attrs["base"] = n_epochs, n_decay, 2e-4
        g.create_dataset("lr", data=np.array(lrs))
        # MUNIT: StepLR stepped before every iteration (scheduler created with last_epoch = -1).
        opt = torch.optim.Adam(dummy, lr=1e-4)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        lrs = []
        for it in range(10):
            if it > 0:
                sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        g = f.create_group("munit")
        g.attrs["step_size"], g.attrs["gamma"], g.attrs["base"] = 3, 0.5, 1e-4
        g.create_dataset("lr", data=np.array(lrs))
        # U-GAT-IT: lr -= lr0 / (iteration // 2) before each step past the half-way point.
        iteration, lr0 = 10, 1e-4
        opt = torch.optim.Adam(dummy, lr=lr0)
        lrs = []
        for step in range(1, iteration + 1):
            if step > iteration // 2:
                opt.param_groups[0]["lr"] -= lr0 / (iteration // 2)
            lrs.append(opt.param_groups[0]["lr"])
        g = f.create_group("ugatit")
        g.attrs["iterations"], g.attrs["base"] = iteration, lr0
        g.create_dataset("lr", data=np.array(lrs))
        # CoCosNet: update_learning_rate(epoch) at the end of every epoch (epochs from 1).
        niter, niter_decay, lr0 = 3, 4, 2e-4
        old = lr0
        lrs_g, lrs_d = [], []
        for epoch in range(1, niter + niter_decay + 1):
            lrs_g.append(old / 2)
            lrs_d.append(old * 2)
            if epoch > niter:
                old = old - lr0 / niter_decay
        g = f.create_group("cocosnet")
        g.attrs["niter"], g.attrs["niter_decay"], g.attrs["base"] = niter, niter_decay, lr0
        g.create_dataset("lr_g", data=np.array(lrs_g))
        g.create_dataset("lr_d", data=np.array(lrs_d))
    print("wrote", path)


if __name__ == "__main__":
    OUT = output_folder(HERE, "Writes the NNTests fixtures.")
    print(versions())
    layers_file()
    optim_file()
    schedules_file()
