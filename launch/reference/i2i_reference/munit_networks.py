# MUNIT's networks in PyTorch (model kind `munit`), as NVlabs/MUNIT `networks.py` builds them
# (`AdaINGen`, `StyleEncoder`, `MLP`, `LinearBlock`, `AdaptiveInstanceNorm2d`), and MUNIT with
# self-attention (itsss/img2img_sa `networks.py`: `AdaInGenerator`, `ImageDiscriminator`, the
# same modules plus `Self_Attn` after the decoder's residual blocks and before each
# discriminator scale's 1×1 output conv). The blocks shared with UNIT master (Conv2dBlock,
# ResBlocks, ContentEncoder, Decoder, MsImageDis, LayerNorm, the initialisation) are in
# unit_networks.py. State-dict names are the official ones.
#
#   AdaptiveInstanceNorm2d  F.batch_norm in training mode on the (1, B·C, H, W) view (instance
#                   statistics, biased variance, eps 1e-5), weight ("std") and bias ("mean")
#                   assigned from the MLP before each decode; dummy running buffers
#   StyleEncoder    7×7 block, two 4×4 stride-2 blocks doubling the channels, n_downsample − 2
#                   more keeping them (AdaINGen passes 4), global average pool, 1×1 conv to
#                   style_dim; norm none
#   MLP             LinearBlock(style_dim → mlp_dim), n_blk − 2 × (mlp_dim → mlp_dim), LinearBlock
#                   (mlp_dim → AdaIN parameter count, no activation); AdaINGen passes n_blk 3
#   AdaINGen        enc_style, enc_content (IN), dec (AdaIN residual blocks), mlp; decode assigns
#                   the MLP output to the AdaIN layers in module order: per layer the first C
#                   values are the bias (mean), the next C the weight (std)
import torch
import torch.nn as nn
import torch.nn.functional as F

from .unit_networks import Conv2dBlock, ContentEncoder, Decoder, MsImageDis, activation_module


class AdaptiveInstanceNorm2d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = None
        self.bias = None
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        assert self.weight is not None and self.bias is not None, "assign the AdaIN weight and bias first"
        b, c = x.shape[0], x.shape[1]
        out = F.batch_norm(x.contiguous().view(1, b * c, *x.shape[2:]), self.running_mean.repeat(b),
                           self.running_var.repeat(b), self.weight, self.bias, True, self.momentum, self.eps)
        return out.view(b, c, *x.shape[2:])


class StyleEncoder(nn.Module):
    def __init__(self, n_downsample, input_dim, dim, style_dim, norm="none", activ="relu", pad_type="reflect"):
        super().__init__()
        layers = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm=norm, activation=activ, pad_type=pad_type)]
        for _ in range(2):
            layers.append(Conv2dBlock(dim, 2 * dim, 4, 2, 1, norm=norm, activation=activ, pad_type=pad_type))
            dim *= 2
        for _ in range(n_downsample - 2):
            layers.append(Conv2dBlock(dim, dim, 4, 2, 1, norm=norm, activation=activ, pad_type=pad_type))
        layers += [nn.AdaptiveAvgPool2d(1), nn.Conv2d(dim, style_dim, 1, 1, 0)]
        self.model = nn.Sequential(*layers)
        self.output_dim = dim

    def forward(self, x):
        return self.model(x)


class LinearBlock(nn.Module):
    def __init__(self, input_dim, output_dim, activation="relu"):
        super().__init__()
        self.fc = nn.Linear(input_dim, output_dim, bias=True)
        self.activation = activation_module(activation)

    def forward(self, x):
        out = self.fc(x)
        return self.activation(out) if self.activation is not None else out


class MLP(nn.Module):
    def __init__(self, input_dim, output_dim, dim, n_blk, activ="relu"):
        super().__init__()
        layers = [LinearBlock(input_dim, dim, activation=activ)]
        for _ in range(n_blk - 2):
            layers.append(LinearBlock(dim, dim, activation=activ))
        layers.append(LinearBlock(dim, output_dim, activation="none"))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x.view(x.size(0), -1))


def num_adain_params(model):
    return sum(2 * m.num_features for m in model.modules() if isinstance(m, AdaptiveInstanceNorm2d))


def assign_adain_params(adain_params, model):
    for m in model.modules():
        if isinstance(m, AdaptiveInstanceNorm2d):
            m.bias = adain_params[:, :m.num_features].contiguous().view(-1)
            m.weight = adain_params[:, m.num_features:2 * m.num_features].contiguous().view(-1)
            if adain_params.size(1) > 2 * m.num_features:
                adain_params = adain_params[:, 2 * m.num_features:]


class AdaINGen(nn.Module):
    def __init__(self, dim=64, style_dim=8, mlp_dim=256, n_downsample=2, n_res=4, activ="relu", pad_type="reflect",
                 input_dim=3, self_attention=False):
        super().__init__()
        self.enc_style = StyleEncoder(4, input_dim, dim, style_dim, norm="none", activ=activ, pad_type=pad_type)
        self.enc_content = ContentEncoder(n_downsample, n_res, input_dim, dim, "in", activ, pad_type=pad_type)
        self.dec = Decoder(n_downsample, n_res, self.enc_content.output_dim, input_dim, res_norm="adain", activ=activ,
                           pad_type=pad_type, self_attention=self_attention)
        self.mlp = MLP(style_dim, num_adain_params(self.dec), mlp_dim, 3, activ=activ)

    def encode(self, images):
        """(content, style) as the official encode (the style encoder runs first)."""
        style = self.enc_style(images)
        return self.enc_content(images), style

    def decode(self, content, style):
        assign_adain_params(self.mlp(style), self.dec)
        return self.dec(content)


def parameter_count(net):
    return sum(p.numel() for p in net.parameters())


def check_parameter_counts():
    """The official counts at the defaults (architectures.md §0.1, §4)."""
    gen, dis = AdaINGen(), MsImageDis()
    sa_gen, sa_dis = AdaINGen(self_attention=True), MsImageDis(self_attention=True)
    counts = {"AdaINGen": (parameter_count(gen), 15_026_187),
              "StyleEncoder": (parameter_count(gen.enc_style), 2_764_936),
              "ContentEncoder": (parameter_count(gen.enc_content), 5_385_856),
              "Decoder": (parameter_count(gen.dec), 5_754_627),
              "MLP": (parameter_count(gen.mlp), 1_120_768),
              "MsImageDis": (parameter_count(dis), 8_271_171),
              "AdaInGenerator (self-attention)": (parameter_count(sa_gen), 15_108_428),
              "ImageDiscriminator (self-attention)": (parameter_count(sa_dis), 9_256_134)}
    for name, (got, want) in counts.items():
        assert got == want, f"{name}: {got:,} parameters, expected {want:,}"
    return {name: got for name, (got, _) in counts.items()}


if __name__ == "__main__":
    print(check_parameter_counts())
