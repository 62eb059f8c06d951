# CycleGAN's networks in PyTorch, as junyanz/pytorch-CycleGAN-and-pix2pix `models/networks.py`
# builds them with the defaults i2i implements (Sources/Models/Networks/ResnetGenerator.swift,
# PatchDiscriminator.swift): norm 'instance' (InstanceNorm2d without affine or running stats,
# hence biased convs), no dropout, reflect padding in the residual blocks.
#   ResnetBlock          `ResnetBlock` / `build_conv_block` (padding 'reflect' | 'replicate' | 'zero')
#   ResnetGenerator      `ResnetGenerator`: 7×7 stem, two stride-2 downsamplings, n residual
#                        blocks, two transposed-conv upsamplings, 7×7 head, tanh
#   NLayerDiscriminator  `NLayerDiscriminator`: the 70×70 PatchGAN (n_layers 3)
#   init_normal          `init_weights(init_type='normal')`: N(0, gain) weights, zero biases
# State-dict names are the official ones (`model.<i>.weight`, `conv_block.<i>.weight`), which
# i2i's checkpoints and golden tests use.
import torch.nn as nn


class ResnetBlock(nn.Module):
    """x + conv_block(x): pad, conv 3×3, norm, ReLU, pad, conv 3×3, norm."""

    def __init__(self, dim, padding_type="reflect", norm_layer=nn.InstanceNorm2d, use_bias=True):
        super().__init__()
        pads = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d}
        p = 0 if padding_type in pads else 1
        if padding_type not in pads and padding_type != "zero":
            raise NotImplementedError(f"padding [{padding_type}] is not implemented")
        block = []
        for last in (False, True):
            if p == 0:
                block.append(pads[padding_type](1))
            block += [nn.Conv2d(dim, dim, kernel_size=3, padding=p, bias=use_bias), norm_layer(dim)]
            if not last:
                block.append(nn.ReLU(True))
        self.conv_block = nn.Sequential(*block)

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, ngf=64, n_blocks=9, input_nc=3, output_nc=3):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        for i in range(2):
            m = 2 ** i
            layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(ngf * m * 2),
                       nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for i in range(2):
            m = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.InstanceNorm2d(ngf * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, ndf=64, n_layers=3, input_nc=3):
        super().__init__()
        seq = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
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
    """N(0, gain) for every conv, transposed-conv and linear weight, 0 for their biases, in
    module order (draws from torch's global generator in the parameters' dtype)."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
