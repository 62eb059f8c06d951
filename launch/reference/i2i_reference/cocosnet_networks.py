# The networks of CoCosNet in PyTorch with the official state_dict names (microsoft/CoCosNet:
# models/networks/generator.py `SPADEGenerator`, `AdaptiveFeatureGenerator`;
# models/networks/correspondence.py `NoVGGCorrespondence`, `ResidualBlock`;
# models/networks/architecture.py `SPADEResnetBlock`, `Attention`;
# models/networks/normalization.py `SPADE`, `PositionalNorm2d`, `get_nonspade_norm_layer`;
# models/networks/discriminator.py `MultiscaleDiscriminator`, `NLayerDiscriminator`), at the
# options of the README's ADE20k command (`--use_attention --maskmix --warp_mask_losstype direct
# --PONO --PONO_C --vgg_normal_correct`) and their defaults:
#   semantic_nc 151 (150 labels + "don't care"), ngf = ndf = 64, norm_G spectralspadesyncbatch3x3
#   (SPADE 3×3, spectral norm on the block convs; with --PONO the parameter-free norm is
#   PositionalNorm2d), norm_E = norm_D = spectralinstance (spectral norm, the conv's bias removed,
#   InstanceNorm2d without affine), adaptor_kernel 3, warp_stride 4, match_kernel 3,
#   CBN_intype warp_mask (the generator is conditioned on concat(warp_out, one-hot mask)),
#   n_layers_D 4, num_D 2, temperature 0.01; no coordconv, SE, non-local adaptor, deeper adaptor,
#   domain classifier, CAM or equalised learning rate.
# Parameter counts at that configuration (checked by count_parameters below): netG 96,664,260,
# netCorr 59,315,716, netD 6,862,194 (the discriminators' segmentation decoder `dec` is built but
# never used in forward; it is part of the official state and count).
# `CoCosNetConfig` narrows every width for test fixtures; the default is the official one.
import sys
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


@dataclass
class CoCosNetConfig:
    semantic_nc: int = 151
    ngf: int = 64
    ndf: int = 64
    crop_size: int = 256
    adaptor_kernel: int = 3
    warp_stride: int = 4
    match_kernel: int = 3
    maskmix: bool = True
    use_attention: bool = True
    pono_c: bool = True
    n_layers_D: int = 4
    num_D: int = 2
    spade_hidden: int = 128        # SPADE's `nhidden`, hard-coded 128 in the official code
    corr_feature_channel: int = 64  # NoVGGCorrespondence `feature_channel` (its trunk is 4× this)
    corr_inter_channels: int = 256  # NoVGGCorrespondence `inter_channels` (θ, φ widths)
    warp_bilinear: bool = False

    @property
    def down(self):
        return 2 if self.warp_stride == 2 else 4


def positional_norm(x, eps=1e-5):
    """PONO: normalise over channels at each position (unbiased variance)."""
    mean = x.mean(dim=1, keepdim=True)
    std = x.var(dim=1, keepdim=True).add(eps).sqrt()
    return (x - mean) / std


def feature_normalize(x):
    """L2 norm over channels plus float64 machine epsilon (util.feature_normalize)."""
    return x / (torch.norm(x, 2, 1, keepdim=True) + sys.float_info.epsilon)


def sn_instance(conv):
    """norm `spectralinstance`: spectral norm on a bias-free conv, then InstanceNorm2d(affine=False)."""
    assert conv.bias is None
    return nn.Sequential(spectral_norm(conv), nn.InstanceNorm2d(conv.out_channels, affine=False))


class SPADE(nn.Module):
    """PONO(x)·(1 + γ(cond)) + β(cond); cond resized to x (nearest); 3×3 convs with reflection padding."""

    def __init__(self, norm_nc, label_nc, hidden=128):
        super().__init__()
        self.mlp_shared = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(label_nc, hidden, 3), nn.ReLU())
        self.pad = nn.ReflectionPad2d(1)
        self.mlp_gamma = nn.Conv2d(hidden, norm_nc, 3)
        self.mlp_beta = nn.Conv2d(hidden, norm_nc, 3)

    def forward(self, x, cond):
        cond = F.interpolate(cond, size=x.shape[2:], mode="nearest")
        actv = self.mlp_shared(cond)
        return positional_norm(x) * (1 + self.mlp_gamma(self.pad(actv))) + self.mlp_beta(self.pad(actv))


class SPADEResnetBlock(nn.Module):
    """Shortcut (x, or SN conv 1×1 without bias of SPADE_s(x)) + conv_1(LReLU(SPADE_1(conv_0(LReLU(SPADE_0(x))))))."""

    def __init__(self, fin, fout, cond_nc, hidden=128):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.pad = nn.ReflectionPad2d(1)
        self.conv_0 = spectral_norm(nn.Conv2d(fin, fmiddle, 3))
        self.conv_1 = spectral_norm(nn.Conv2d(fmiddle, fout, 3))
        if self.learned_shortcut:
            self.conv_s = spectral_norm(nn.Conv2d(fin, fout, 1, bias=False))
        self.norm_0 = SPADE(fin, cond_nc, hidden)
        self.norm_1 = SPADE(fmiddle, cond_nc, hidden)
        if self.learned_shortcut:
            self.norm_s = SPADE(fin, cond_nc, hidden)

    def forward(self, x, cond):
        shortcut = self.conv_s(self.norm_s(x, cond)) if self.learned_shortcut else x
        dx = self.conv_0(self.pad(F.leaky_relu(self.norm_0(x, cond), 0.2)))
        dx = self.conv_1(self.pad(F.leaky_relu(self.norm_1(dx, cond), 0.2)))
        return shortcut + dx


class Attention(nn.Module):
    """BigGAN self-attention: x + γ·o(g·softmax(θᵀφ)ᵀ), φ and g max-pooled 2×2, γ starting at 0."""

    def __init__(self, ch, use_sn):
        super().__init__()
        self.ch = ch
        wrap = spectral_norm if use_sn else (lambda m: m)
        self.theta = wrap(nn.Conv2d(ch, ch // 8, 1, bias=False))
        self.phi = wrap(nn.Conv2d(ch, ch // 8, 1, bias=False))
        self.g = wrap(nn.Conv2d(ch, ch // 2, 1, bias=False))
        self.o = wrap(nn.Conv2d(ch // 2, ch, 1, bias=False))
        self.gamma = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        n, _, h, w = x.shape
        theta = self.theta(x).view(n, self.ch // 8, h * w)
        phi = F.max_pool2d(self.phi(x), 2).view(n, self.ch // 8, h * w // 4)
        g = F.max_pool2d(self.g(x), 2).view(n, self.ch // 2, h * w // 4)
        beta = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)      # [n, hw, hw/4]
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(n, self.ch // 2, h, w))
        return self.gamma * o + x


class AdaptiveFeatureGenerator(nn.Module):
    """A domain adaptor: five spectral-instance convs (÷4 in size) then three SPADE blocks
    conditioned on the adaptor's own input; out 4·ngf channels at 1/4 resolution."""

    def __init__(self, cfg, input_nc):
        super().__init__()
        nf, k = cfg.ngf, cfg.adaptor_kernel
        self.layer1 = sn_instance(nn.Conv2d(input_nc, nf, 3, stride=1, padding=1, bias=False))
        self.layer2 = sn_instance(nn.Conv2d(nf, nf * 2, k, stride=2, padding=1, bias=False))
        self.layer3 = sn_instance(nn.Conv2d(nf * 2, nf * 4, 3, stride=1, padding=1, bias=False))
        if cfg.warp_stride == 2:
            self.layer4 = sn_instance(nn.Conv2d(nf * 4, nf * 8, 3, stride=1, padding=1, bias=False))
        else:
            self.layer4 = sn_instance(nn.Conv2d(nf * 4, nf * 8, k, stride=2, padding=1, bias=False))
        self.layer5 = sn_instance(nn.Conv2d(nf * 8, nf * 8, 3, stride=1, padding=1, bias=False))
        self.head_0 = SPADEResnetBlock(8 * nf, 8 * nf, input_nc, cfg.spade_hidden)
        self.G_middle_0 = SPADEResnetBlock(8 * nf, 8 * nf, input_nc, cfg.spade_hidden)
        self.G_middle_1 = SPADEResnetBlock(8 * nf, 4 * nf, input_nc, cfg.spade_hidden)

    def forward(self, x, cond):
        h = self.layer1(x)
        for layer in (self.layer2, self.layer3, self.layer4, self.layer5):
            h = layer(F.leaky_relu(h, 0.2))
        return self.G_middle_1(self.G_middle_0(self.head_0(h, cond), cond), cond)


class ResidualBlock(nn.Module):
    """The correspondence trunk's block: one PReLU (single slope) used after both halves."""

    def __init__(self, channels):
        super().__init__()
        self.padding1 = nn.ReflectionPad2d(1)
        self.conv1 = nn.Conv2d(channels, channels, 3)
        self.bn1 = nn.InstanceNorm2d(channels)
        self.prelu = nn.PReLU()
        self.padding2 = nn.ReflectionPad2d(1)
        self.conv2 = nn.Conv2d(channels, channels, 3)
        self.bn2 = nn.InstanceNorm2d(channels)

    def forward(self, x):
        out = self.prelu(self.bn1(self.conv1(self.padding1(x))))
        out = self.bn2(self.conv2(self.padding2(out)))
        return self.prelu(out + x)


class NoVGGCorrespondence(nn.Module):
    """netCorr: both adaptors, the shared trunk, θ/φ, the cosine correspondence and the warps."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.adaptive_model_seg = AdaptiveFeatureGenerator(cfg, cfg.semantic_nc)
        self.adaptive_model_img = AdaptiveFeatureGenerator(cfg, 3)
        trunk = cfg.corr_feature_channel * 4 + (cfg.semantic_nc if cfg.maskmix else 0)
        self.layer = nn.Sequential(*[ResidualBlock(trunk) for _ in range(4)])
        self.phi = nn.Conv2d(trunk, cfg.corr_inter_channels, 1)
        self.theta = nn.Conv2d(trunk, cfg.corr_inter_channels, 1)

    def matching_features(self, features, conv):
        """Unfolded k×k neighbourhoods of conv(features), centred (PONO_C: over the feature
        dimension) and L2-normalised: [n, C·k², positions]."""
        k = self.cfg.match_kernel
        t = conv(features)
        t = t.view(t.shape[0], t.shape[1], -1) if k == 1 else F.unfold(t, kernel_size=k, padding=k // 2)
        t = t - t.mean(dim=1 if self.cfg.pono_c else -1, keepdim=True)
        return t / (torch.norm(t, 2, 1, keepdim=True) + sys.float_info.epsilon)

    def forward(self, ref_img, real_img, seg_map, ref_seg_map, temperature=0.01, warp_cycle=False):
        cfg, down = self.cfg, self.cfg.down
        n, _, height, width = ref_img.shape
        fh, fw = height // down, width // down
        out = {}
        feature_seg = feature_normalize(self.adaptive_model_seg(seg_map, seg_map))
        feature_img = feature_normalize(self.adaptive_model_img(ref_img, ref_img))
        if real_img is not None:
            pair = feature_normalize(self.adaptive_model_img(real_img, real_img))
            out["no_vgg_feat"] = F.l1_loss(feature_seg, pair)   # weighted by novgg_featpair (10) in the model
        if cfg.maskmix:
            seg = F.interpolate(seg_map, size=feature_seg.shape[2:], mode="nearest")
            ref_seg = F.interpolate(ref_seg_map, size=feature_img.shape[2:], mode="nearest")
            content = self.layer(torch.cat((feature_seg, seg), 1))
            reference = self.layer(torch.cat((feature_img, ref_seg), 1))
        else:
            content, reference = self.layer(feature_seg), self.layer(feature_img)
        theta = self.matching_features(content, self.theta)
        phi = self.matching_features(reference, self.phi)
        f = torch.matmul(theta.permute(0, 2, 1), phi) / temperature       # [n, positions, positions]
        attention = F.softmax(f, dim=-1)
        ref = F.avg_pool2d(ref_img, down).view(n, ref_img.shape[1], -1).permute(0, 2, 1)
        y = torch.matmul(attention, ref).permute(0, 2, 1).contiguous().view(n, ref_img.shape[1], fh, fw)
        mode = "bilinear" if cfg.warp_bilinear else "nearest"
        out["warp_out"] = F.interpolate(y, scale_factor=down, mode=mode)
        ref_seg_small = F.interpolate(ref_seg_map, scale_factor=1 / down, mode="nearest")
        ref_seg_small = ref_seg_small.view(n, ref_seg_map.shape[1], -1).permute(0, 2, 1)
        out["warp_mask"] = torch.matmul(attention, ref_seg_small).permute(0, 2, 1).contiguous().view(
            n, ref_seg_map.shape[1], fh, fw)
        if warp_cycle:
            back = F.softmax(f.transpose(1, 2), dim=-1)
            flat = y.view(n, y.shape[1], -1).permute(0, 2, 1)
            out["warp_cycle"] = torch.matmul(back, flat).permute(0, 2, 1).contiguous().view(n, y.shape[1], fh, fw)
        return out


class SPADEGenerator(nn.Module):
    """netG: 8×8 start from the condition, seven SPADE blocks with ×2 nearest upsampling, the
    attention at 128² (for a 256 px crop), LReLU, conv to RGB, tanh."""

    def __init__(self, cfg):
        super().__init__()
        nf, cond_nc = cfg.ngf, 3 + cfg.semantic_nc
        self.size = cfg.crop_size // 32
        self.fc = nn.Conv2d(cond_nc, 16 * nf, 3, padding=1)
        block = lambda fin, fout: SPADEResnetBlock(fin, fout, cond_nc, cfg.spade_hidden)  # noqa: E731
        self.head_0 = block(16 * nf, 16 * nf)
        self.G_middle_0 = block(16 * nf, 16 * nf)
        self.G_middle_1 = block(16 * nf, 16 * nf)
        self.up_0 = block(16 * nf, 8 * nf)
        self.up_1 = block(8 * nf, 4 * nf)
        self.use_attention = cfg.use_attention
        if cfg.use_attention:
            self.attn = Attention(4 * nf, True)
        self.up_2 = block(4 * nf, 2 * nf)
        self.up_3 = block(2 * nf, nf)
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)

    def forward(self, cond):
        """cond = concat(warp_out, one-hot mask) [n, 3 + semantic_nc, H, W]."""
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")  # noqa: E731
        x = self.fc(F.interpolate(cond, size=(self.size, self.size)))
        x = self.head_0(x, cond)
        x = self.G_middle_1(self.G_middle_0(up(x), cond), cond)
        x = self.up_1(up(self.up_0(up(x), cond)), cond)
        x = up(x)
        if self.use_attention:
            x = self.attn(x)
        x = self.up_3(up(self.up_2(x, cond)), cond)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


class NLayerDiscriminator(nn.Module):
    """One PatchGAN scale: model0 … model4, the attention before model3, and the unused `dec`."""

    def __init__(self, cfg):
        super().__init__()
        nf = cfg.ndf
        input_nc = cfg.semantic_nc + 3
        layers = [nn.Sequential(nn.Conv2d(input_nc, nf, 4, stride=2, padding=1), nn.LeakyReLU(0.2))]
        for n in range(1, cfg.n_layers_D):
            nf_prev, nf = nf, min(nf * 2, 512)
            last = n == cfg.n_layers_D - 1
            if last:
                if cfg.use_attention:
                    self.attn = Attention(nf_prev, True)
                dec, width = [], nf_prev
                for _ in range(cfg.n_layers_D - 1):
                    dec += [nn.Upsample(scale_factor=2), sn_instance(nn.Conv2d(width, width // 2, 3, padding=1, bias=False)),
                            nn.LeakyReLU(0.2)]
                    width //= 2
                dec += [nn.Conv2d(width, cfg.semantic_nc, 3, padding=1)]
                self.dec = nn.Sequential(*dec)
            conv = nn.Conv2d(nf_prev, nf, 4, stride=1 if last else 2, padding=1, bias=False)
            layers.append(nn.Sequential(sn_instance(conv), nn.LeakyReLU(0.2)))
        layers.append(nn.Sequential(nn.Conv2d(nf, 1, 4, stride=1, padding=1)))
        self.use_attention = cfg.use_attention
        for i, layer in enumerate(layers):
            self.add_module(f"model{i}", layer)
        self.count = len(layers)

    def forward(self, x):
        results = [x]
        for i in range(self.count):
            h = results[-1]
            if i == 3 and self.use_attention:
                h = self.attn(h)
            results.append(getattr(self, f"model{i}")(h))
        return results[1:]


class MultiscaleDiscriminator(nn.Module):
    """netD: num_D scales, each on the input average-pooled (3×3, stride 2, pad 1, pads not counted) once more."""

    def __init__(self, cfg):
        super().__init__()
        for i in range(cfg.num_D):
            self.add_module(f"discriminator_{i}", NLayerDiscriminator(cfg))

    def forward(self, x):
        results = []
        for d in self.children():
            results.append(d(x))
            x = F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)
        return results


def count_parameters(module):
    return sum(p.numel() for p in module.parameters())


if __name__ == "__main__":
    cfg = CoCosNetConfig()
    with torch.device("meta"):
        nets = {"netG": SPADEGenerator(cfg), "netCorr": NoVGGCorrespondence(cfg), "netD": MultiscaleDiscriminator(cfg)}
    for name, net in nets.items():
        print(f"{name} {count_parameters(net):,}")
