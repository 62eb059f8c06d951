# U-GAT-IT's networks in PyTorch, as znxlwm/UGATIT-pytorch `networks.py` defines them (the
# PyTorch code is the default expression; taki0112/UGATIT's TensorFlow differences are not
# expressed). Module and attribute names are the official ones, so that state_dict keys match
# the official `*_params_latest.pt` files:
#
#   ResnetGenerator  DownBlock (reflect-pad 7×7 conv, two reflect-pad 3×3 stride-2 convs, each
#                    IN + ReLU, n_blocks ResnetBlocks; every conv bias-free), the CAM (gap_fc and
#                    gmp_fc: bias-free Linear C→1 each; their weights re-weight the channels;
#                    concatenation → conv1x1 2C→C with bias → ReLU; heatmap = Σ_c), FC (full:
#                    flatten (img_size/4)²·C → C; light: GAP → C; each followed by ReLU,
#                    Linear C→C, ReLU; bias-free), gamma and beta (bias-free Linear C→C) shared by
#                    every adaILN of UpBlock1_1 … UpBlock1_n, UpBlock2 (nearest ×2, reflect pad,
#                    3×3 conv, ILN, ReLU, twice; reflect-pad 7×7 conv → tanh).
#   Discriminator    n_layers − 2 reflect-pad 4×4 stride-2 spectral-norm convs with bias (the
#                    first 3→ndf, then doubling) and one stride-1 one, each LeakyReLU(0.2); CAM with
#                    spectral-norm gap_fc / gmp_fc whose re-weighting reads weight_orig
#                    (`list(fc.parameters())[0]`), conv1x1 2C→C (no spectral norm) → LeakyReLU;
#                    pad → spectral-norm 4×4 conv C→1 without bias. Global n_layers 7, local 5.
#   adaILN / ILN     instance/layer mix with unbiased variances (torch.var), eps 1e-5; ρ 0.9
#                    for adaILN; ρ 0, γ 1, β 0 for ILN.
#
# Initialisation: PyTorch's defaults, never re-initialised (the official code calls no init).
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parameter import Parameter


def _mix(x, rho, eps):
    """ρ·IN(x) + (1 − ρ)·LN(x), unbiased variances."""
    in_mean, in_var = x.mean(dim=[2, 3], keepdim=True), x.var(dim=[2, 3], keepdim=True)
    ln_mean, ln_var = x.mean(dim=[1, 2, 3], keepdim=True), x.var(dim=[1, 2, 3], keepdim=True)
    out_in = (x - in_mean) / torch.sqrt(in_var + eps)
    out_ln = (x - ln_mean) / torch.sqrt(ln_var + eps)
    r = rho.expand(x.shape[0], -1, -1, -1)
    return r * out_in + (1 - r) * out_ln


class adaILN(nn.Module):
    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.rho = Parameter(torch.full((1, num_features, 1, 1), 0.9))

    def forward(self, x, gamma, beta):
        return _mix(x, self.rho, self.eps) * gamma.unsqueeze(2).unsqueeze(3) + beta.unsqueeze(2).unsqueeze(3)


class ILN(nn.Module):
    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.rho = Parameter(torch.zeros(1, num_features, 1, 1))
        self.gamma = Parameter(torch.ones(1, num_features, 1, 1))
        self.beta = Parameter(torch.zeros(1, num_features, 1, 1))

    def forward(self, x):
        n = x.shape[0]
        return _mix(x, self.rho, self.eps) * self.gamma.expand(n, -1, -1, -1) + self.beta.expand(n, -1, -1, -1)


class ResnetBlock(nn.Module):
    def __init__(self, dim, use_bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, 1, 0, bias=use_bias), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, 1, 0, bias=use_bias), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetAdaILNBlock(nn.Module):
    def __init__(self, dim, use_bias):
        super().__init__()
        self.pad1 = nn.ReflectionPad2d(1)
        self.conv1 = nn.Conv2d(dim, dim, 3, 1, 0, bias=use_bias)
        self.norm1 = adaILN(dim)
        self.relu1 = nn.ReLU(True)
        self.pad2 = nn.ReflectionPad2d(1)
        self.conv2 = nn.Conv2d(dim, dim, 3, 1, 0, bias=use_bias)
        self.norm2 = adaILN(dim)

    def forward(self, x, gamma, beta):
        out = self.relu1(self.norm1(self.conv1(self.pad1(x)), gamma, beta))
        out = self.norm2(self.conv2(self.pad2(out)), gamma, beta)
        return out + x


def _cam(x, gap_fc, gmp_fc):
    """The class-activation re-weighting shared by generator and discriminator: the logits of
    the GAP and GMP features, and the features scaled per channel by each fc's first parameter
    (weight, or weight_orig under spectral norm), concatenated [N, 2C, H, W]."""
    n = x.shape[0]
    gap_logit = gap_fc(F.adaptive_avg_pool2d(x, 1).view(n, -1))
    gap = x * list(gap_fc.parameters())[0].unsqueeze(2).unsqueeze(3)
    gmp_logit = gmp_fc(F.adaptive_max_pool2d(x, 1).view(n, -1))
    gmp = x * list(gmp_fc.parameters())[0].unsqueeze(2).unsqueeze(3)
    return torch.cat([gap_logit, gmp_logit], 1), torch.cat([gap, gmp], 1)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc=3, output_nc=3, ngf=64, n_blocks=6, img_size=256, light=False):
        super().__init__()
        self.n_blocks, self.light = n_blocks, light
        down = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, 1, 0, bias=False), nn.InstanceNorm2d(ngf),
                nn.ReLU(True)]
        n_down = 2
        for i in range(n_down):
            m = 2 ** i
            down += [nn.ReflectionPad2d(1), nn.Conv2d(ngf * m, ngf * m * 2, 3, 2, 0, bias=False),
                     nn.InstanceNorm2d(ngf * m * 2), nn.ReLU(True)]
        m = 2 ** n_down
        c = ngf * m
        down += [ResnetBlock(c, use_bias=False) for _ in range(n_blocks)]
        self.gap_fc = nn.Linear(c, 1, bias=False)
        self.gmp_fc = nn.Linear(c, 1, bias=False)
        self.conv1x1 = nn.Conv2d(2 * c, c, 1, 1, bias=True)
        self.relu = nn.ReLU(True)
        first = c if light else (img_size // m) * (img_size // m) * c
        fc = [nn.Linear(first, c, bias=False), nn.ReLU(True), nn.Linear(c, c, bias=False), nn.ReLU(True)]
        self.gamma = nn.Linear(c, c, bias=False)
        self.beta = nn.Linear(c, c, bias=False)
        for i in range(n_blocks):
            setattr(self, f"UpBlock1_{i + 1}", ResnetAdaILNBlock(c, use_bias=False))
        up = []
        for i in range(n_down):
            m = 2 ** (n_down - i)
            up += [nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1),
                   nn.Conv2d(ngf * m, ngf * m // 2, 3, 1, 0, bias=False), ILN(ngf * m // 2), nn.ReLU(True)]
        up += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, 1, 0, bias=False), nn.Tanh()]
        # Registered in the official order (DownBlock, FC, UpBlock2 last), which fixes the
        # state_dict order.
        self.DownBlock = nn.Sequential(*down)
        self.FC = nn.Sequential(*fc)
        self.UpBlock2 = nn.Sequential(*up)

    def forward(self, x):
        x = self.DownBlock(x)
        cam_logit, x = _cam(x, self.gap_fc, self.gmp_fc)
        x = self.relu(self.conv1x1(x))
        heatmap = torch.sum(x, dim=1, keepdim=True)
        if self.light:
            h = self.FC(F.adaptive_avg_pool2d(x, 1).view(x.shape[0], -1))
        else:
            h = self.FC(x.view(x.shape[0], -1))
        gamma, beta = self.gamma(h), self.beta(h)
        for i in range(self.n_blocks):
            x = getattr(self, f"UpBlock1_{i + 1}")(x, gamma, beta)
        return self.UpBlock2(x), cam_logit, heatmap


class Discriminator(nn.Module):
    def __init__(self, input_nc=3, ndf=64, n_layers=5):
        super().__init__()
        sn = nn.utils.spectral_norm
        model = [nn.ReflectionPad2d(1), sn(nn.Conv2d(input_nc, ndf, 4, 2, 0, bias=True)), nn.LeakyReLU(0.2, True)]
        for i in range(1, n_layers - 2):
            m = 2 ** (i - 1)
            model += [nn.ReflectionPad2d(1), sn(nn.Conv2d(ndf * m, ndf * m * 2, 4, 2, 0, bias=True)),
                      nn.LeakyReLU(0.2, True)]
        m = 2 ** (n_layers - 3)
        model += [nn.ReflectionPad2d(1), sn(nn.Conv2d(ndf * m, ndf * m * 2, 4, 1, 0, bias=True)),
                  nn.LeakyReLU(0.2, True)]
        c = ndf * 2 ** (n_layers - 2)
        self.gap_fc = sn(nn.Linear(c, 1, bias=False))
        self.gmp_fc = sn(nn.Linear(c, 1, bias=False))
        self.conv1x1 = nn.Conv2d(2 * c, c, 1, 1, bias=True)
        self.leaky_relu = nn.LeakyReLU(0.2, True)
        self.pad = nn.ReflectionPad2d(1)
        self.conv = sn(nn.Conv2d(c, 1, 4, 1, 0, bias=False))
        self.model = nn.Sequential(*model)

    def forward(self, x):
        x = self.model(x)
        cam_logit, x = _cam(x, self.gap_fc, self.gmp_fc)
        x = self.leaky_relu(self.conv1x1(x))
        heatmap = torch.sum(x, dim=1, keepdim=True)
        return self.conv(self.pad(x)), cam_logit, heatmap


class RhoClipper:
    """Clamps every module's `rho` to [lo, hi] (applied with net.apply after each G step)."""

    def __init__(self, lo=0.0, hi=1.0):
        self.lo, self.hi = lo, hi

    def __call__(self, module):
        if hasattr(module, "rho"):
            module.rho.data = module.rho.data.clamp(self.lo, self.hi)


def discriminator_fits(size, n_layers):
    """Whether a size² image passes an n_layers discriminator (every reflect pad needs a side of
    at least 2, the output at least 1)."""
    s = size
    for _ in range(n_layers - 2):
        if s < 2:
            return False
        s = (s + 2 - 4) // 2 + 1
    for _ in range(2):
        if s < 2:
            return False
        s = s + 2 - 4 + 1
    return s >= 1


def parameter_counts(ngf=64, n_res=4, img_size=256):
    """{'G full', 'G light', 'D global', 'D local'}: trainable parameters of the official networks."""
    count = lambda net: sum(p.numel() for p in net.parameters())
    out = {}
    with torch.device("meta"):
        out["G full"] = count(ResnetGenerator(3, 3, ngf, n_res, img_size, light=False))
        out["G light"] = count(ResnetGenerator(3, 3, ngf, n_res, img_size, light=True))
        out["D global"] = count(Discriminator(3, ngf, 7))
        out["D local"] = count(Discriminator(3, ngf, 5))
    return out
