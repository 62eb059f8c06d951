# AGGAN's TensorFlow layers in PyTorch (NCHW), as AlamiMejjati/Unsupervised-Attention-guided-
# Image-to-Image-Translation defines them in `layers.py` (general_conv2d, general_deconv2d,
# lrelu, instance_norm) and `model.py` (build_resnet_block), with TF's alignment written out;
# i2i's counterpart is Sources/Models/Networks/AGGANLayers.swift, whose state keys these share.
#   tf_same_pad      TF `SAME` padding: per side from the input size (the smaller half before:
#                    0 before, 1 after for 3×3 stride 2 on an even size)
#   tf_leaky_relu    TF's lrelu, maximum(x, 0.2x): a tie (x = 0) sends the gradient to x
#   TFInstanceNorm   biased variance over H×W, eps 1e-5 inside the root, affine (scale → weight,
#                    offset → bias); written out (the reference, which the fixtures use), or
#                    with `fused` set, torch's F.instance_norm: the same function up to float
#                    rounding, which takes about a third off a float32 AGGAN training step
#                    (bench_pytorch.py uses it)
#   TFConv           general_conv2d: padding ('valid' | 'same' | ('zero', p) | ('reflect', p)),
#                    conv, instance norm (bypassable per call: TF's `donorm`), activation
#   TFDeconv         general_deconv2d, 3×3 stride 2 `SAME`: the full transposed conv
#                    (padding 0) cropped to rows and columns [0, 2H), IN, ReLU
#   TFResBlock       build_resnet_block: ReLU(x + c2(c1(x))), zero or reflect padding
#   init_tf          TF's initialisers: truncated normal weights, zero biases, IN scales from a
#                    normal(1, 0.02) truncated to [0.96, 1.04]
import torch
import torch.nn as nn
import torch.nn.functional as F


def tf_same_pad(x, k, s):
    def pads(n):
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    top, bottom = pads(x.shape[2])
    left, right = pads(x.shape[3])
    return F.pad(x, (left, right, top, bottom))


def tf_leaky_relu(y, slope=0.2):
    return torch.where(y >= slope * y, y, slope * y)


class TFInstanceNorm(nn.Module):
    def __init__(self, c, fused=False):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))   # TF instance_norm/scale
        self.bias = nn.Parameter(torch.zeros(c))    # TF instance_norm/offset
        self.fused = fused

    def forward(self, x):
        if self.fused:
            return F.instance_norm(x, weight=self.weight, bias=self.bias, eps=1e-5)
        mean = x.mean(dim=(2, 3), keepdim=True)
        var = ((x - mean) ** 2).mean(dim=(2, 3), keepdim=True)
        return self.weight.view(1, -1, 1, 1) * (x - mean) / torch.sqrt(var + 1e-5) + self.bias.view(1, -1, 1, 1)


class TFConv(nn.Module):
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
            y = tf_leaky_relu(y)
        return y


class TFDeconv(nn.Module):
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


def init_tf(net, std=0.02):
    """TF's initialisation, in module order: conv and transposed-conv weights from a normal(0,
    std) truncated at ±2·std (truncated_normal_initializer), biases 0; instance-norm scales from
    a normal(1, 0.02) truncated to [0.96, 1.04], offsets 0. The draws are rounded to float32 and
    kept in the parameters' dtype, so a float64 network starts from exactly the float32 values
    that i2i (and a fixture stored as float32) starts from."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.trunc_normal_(m.weight, 0.0, std, -2 * std, 2 * std)
            nn.init.zeros_(m.bias)
        elif isinstance(m, TFInstanceNorm):
            nn.init.trunc_normal_(m.weight, 1.0, 0.02, 0.96, 1.04)
            nn.init.zeros_(m.bias)
    for p in net.parameters():
        p.data = p.data.float().to(p.dtype)
