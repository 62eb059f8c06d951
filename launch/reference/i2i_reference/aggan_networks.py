# AGGAN's networks in PyTorch, as AlamiMejjati/Unsupervised-Attention-guided-Image-to-Image-
# Translation `model.py` builds them (i2i: Sources/Models/Networks/AGGANGenerator.swift,
# AGGANAttention.swift, AGGANDiscriminator.swift); the layers are in aggan_layers.py. State
# keys follow TF's variable scopes (`r1.c2.norm.weight` ↔ `Model/g_A/r1/c2/instance_norm/scale`).
#   AGGANGenerator      build_generator_resnet_9blocks: c1 7×7 (zero pad 3), c2 and c3 3×3
#                       stride 2 `SAME`, n residual blocks (zero padding), two deconvs, c6 7×7
#                       `SAME` without norm, tanh
#   AGGANAttention      autoenc_upsample as the TF code executes it: c4, c5 and c6 are 1×1 (the
#                       kernel tuple lands in f_h), nearest ×2 upsamplings (resize_images method
#                       1), sigmoid; the paper's 3×3/3×3/7×7 tails are not expressed here
#   AGGANDiscriminator  discriminator: four 4×4 convs (strides 2, 2, 2, 1, zero pad 2 before
#                       each) with IN and lrelu, a last 4×4 conv to one channel; the input is
#                       seen through its binarised mask (mask ≥ τ; τ = 0 in stage 1 keeps all)
import torch
import torch.nn as nn
import torch.nn.functional as F

from .aggan_layers import TFConv, TFDeconv, TFResBlock


class AGGANGenerator(nn.Module):
    def __init__(self, ngf=32, n_blocks=9):
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
        y = self.c4(F.interpolate(y, scale_factor=2, mode="nearest"))
        y = self.c5(F.interpolate(y, scale_factor=2, mode="nearest"))
        return torch.sigmoid(self.c6(y))


class AGGANDiscriminator(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        self.c1 = TFConv(3, ndf, 4, 2, pad=("zero", 2), act="lrelu")
        self.c2 = TFConv(ndf, ndf * 2, 4, 2, pad=("zero", 2), act="lrelu")
        self.c3 = TFConv(ndf * 2, ndf * 4, 4, 2, pad=("zero", 2), act="lrelu")
        self.c4 = TFConv(ndf * 4, ndf * 8, 4, 1, pad=("zero", 2), act="lrelu")
        self.c5 = TFConv(ndf * 8, 1, 4, 1, pad=("zero", 2), norm=False, act=None)

    def forward(self, x, mask, tau, donorm):
        """Scores for x seen through 1[mask ≥ τ] (tf.cast(tf.greater_equal(mask, τ))); with τ ≤ 0
        every pixel is kept (a sigmoid is never negative), so the product is skipped, as i2i
        does. donorm False bypasses the instance norms (stage 2)."""
        if tau > 0:
            x = x * (mask >= tau).to(x.dtype)
        for c in (self.c1, self.c2, self.c3, self.c4, self.c5):
            x = c(x, donorm)
        return x
