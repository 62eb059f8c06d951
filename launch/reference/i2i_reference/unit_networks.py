# UNIT's networks in PyTorch, in the two official versions i2i implements (model kind `unit`,
# `unit.variant` master | paper). State-dict names are the official ones, which i2i's
# checkpoints, golden tests and launch/convert-weights use.
#
# master: mingyuliutw/UNIT branch master `networks.py` (the MUNIT code base, May 2018)
#   Conv2dBlock     explicit pad module (reflect | replicate | zero), conv with bias and no
#                   padding of its own, norm (none | in | ln), activation (relu | lrelu 0.2 |
#                   tanh | none); modules registered pad, norm, activation, conv (so the norm's
#                   keys precede the conv's)
#   LayerNorm       `LayerNorm`: per sample, mean and unbiased std over C×H×W,
#                   (x − mean) / (std + eps), then per-channel gamma (drawn U[0, 1) when built)
#                   and beta (0)
#   ResBlock(s)     x + [block 3×3 with activation, block 3×3 without]
#   ContentEncoder  7×7 block, n_downsample 4×4 stride-2 blocks, n_res residual blocks; IN
#   Decoder         residual blocks (res_norm 'in' in UNIT), [nearest ×2 upsampling, 5×5 block
#                   with LayerNorm] per downsampling, 7×7 block with tanh
#   VAEGen          `enc`, `dec`; encode returns (hidden, noise) with the noise drawn at every
#                   call (training or not) by `noise(shape)`, here a supplied function
#   MsImageDis      `cnns`: per scale, a 4×4 stride-2 block without norm, n_layer − 1 more
#                   (channels doubling), a 1×1 conv to one channel; the input is average-pooled
#                   (3, 2, 1, count_include_pad=False) between scales; lsgan and nsgan losses
#   init_master     `weights_init('kaiming')` (utils.py) on everything, then
#                   `weights_init('gaussian')` on both discriminators (trainer.py `UNIT_Trainer`)
#
# paper: mingyuliutw/UNIT branch version_02 `src/trainers/cocogan_nets.py`, `common_net.py`,
# `init.py`
#   LeakyReLUConv2d, ReLUINSConv2d, ReLUINSConvTranspose2d, INSResBlock (optional dropout after
#   the second norm), GaussianNoiseLayer (adds noise(shape) in training only); every block runs
#   `gaussian_weights_init` on its convs when built, as the official constructors do
#   COCOResGen      encode_A/B (7×7 conv + LReLU 0.01, stride-2 3×3 convs with IN + ReLU,
#                   residual blocks), enc_shared (residual blocks + noise), dec_shared (residual
#                   blocks), decode_A/B (residual blocks, stride-2 transposed convs with IN +
#                   ReLU, 1×1 transposed conv, tanh); the joint forward runs both domains'
#                   encodings through the shared layers as one batch
#   COCODis         model_A/B: n_layer 3×3 stride-2 convs + LReLU 0.01, a 1×1 conv, flattened
#   init_paper      `gaussian_weights_init` on dis then gen (cocogan_trainer.py): N(0, 0.02) on
#                   conv and transposed-conv weights only, biases keep PyTorch's defaults
# InstanceNorm2d everywhere is torch's (no affine, no running statistics, biased variance).
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------------
# master
# ---------------------------------------------------------------------------------------------

class LayerNorm(nn.Module):
    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.num_features, self.eps = num_features, eps
        self.gamma = nn.Parameter(torch.empty(num_features).uniform_())
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        shape = [-1] + [1] * (x.dim() - 1)
        mean = flat.mean(1).view(shape)
        std = flat.std(1).view(shape)   # unbiased (N − 1), as torch's default
        y = (x - mean) / (std + self.eps)
        affine = [1, -1] + [1] * (x.dim() - 2)
        return y * self.gamma.view(affine) + self.beta.view(affine)


PADS = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d, "zero": nn.ZeroPad2d}


def activation_module(name):
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "lrelu":
        return nn.LeakyReLU(0.2, inplace=True)
    if name == "tanh":
        return nn.Tanh()
    if name == "none":
        return None
    raise NotImplementedError(f"activation [{name}] is not implemented")


class Conv2dBlock(nn.Module):
    def __init__(self, input_dim, output_dim, kernel_size, stride, padding=0, norm="none", activation="relu",
                 pad_type="zero"):
        super().__init__()
        if pad_type not in PADS:
            raise NotImplementedError(f"padding [{pad_type}] is not implemented")
        self.pad = PADS[pad_type](padding)
        if norm == "in":
            self.norm = nn.InstanceNorm2d(output_dim)
        elif norm == "ln":
            self.norm = LayerNorm(output_dim)
        elif norm == "none":
            self.norm = None
        else:
            raise NotImplementedError(f"norm [{norm}] is not implemented")
        self.activation = activation_module(activation)
        self.conv = nn.Conv2d(input_dim, output_dim, kernel_size, stride, bias=True)

    def forward(self, x):
        x = self.conv(self.pad(x))
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        return x


class ResBlock(nn.Module):
    def __init__(self, dim, norm="in", activation="relu", pad_type="zero"):
        super().__init__()
        self.model = nn.Sequential(Conv2dBlock(dim, dim, 3, 1, 1, norm=norm, activation=activation, pad_type=pad_type),
                                   Conv2dBlock(dim, dim, 3, 1, 1, norm=norm, activation="none", pad_type=pad_type))

    def forward(self, x):
        return self.model(x) + x


class ResBlocks(nn.Module):
    def __init__(self, num_blocks, dim, norm="in", activation="relu", pad_type="zero"):
        super().__init__()
        self.model = nn.Sequential(*[ResBlock(dim, norm, activation, pad_type) for _ in range(num_blocks)])

    def forward(self, x):
        return self.model(x)


class ContentEncoder(nn.Module):
    def __init__(self, n_downsample, n_res, input_dim, dim, norm="in", activ="relu", pad_type="reflect"):
        super().__init__()
        layers = [Conv2dBlock(input_dim, dim, 7, 1, 3, norm=norm, activation=activ, pad_type=pad_type)]
        for _ in range(n_downsample):
            layers.append(Conv2dBlock(dim, dim * 2, 4, 2, 1, norm=norm, activation=activ, pad_type=pad_type))
            dim *= 2
        layers.append(ResBlocks(n_res, dim, norm=norm, activation=activ, pad_type=pad_type))
        self.model = nn.Sequential(*layers)
        self.output_dim = dim

    def forward(self, x):
        return self.model(x)


class Decoder(nn.Module):
    def __init__(self, n_upsample, n_res, dim, output_dim, res_norm="in", activ="relu", pad_type="reflect"):
        super().__init__()
        layers = [ResBlocks(n_res, dim, res_norm, activ, pad_type=pad_type)]
        for _ in range(n_upsample):
            layers += [nn.Upsample(scale_factor=2),
                       Conv2dBlock(dim, dim // 2, 5, 1, 2, norm="ln", activation=activ, pad_type=pad_type)]
            dim //= 2
        layers.append(Conv2dBlock(dim, output_dim, 7, 1, 3, norm="none", activation="tanh", pad_type=pad_type))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class VAEGen(nn.Module):
    """The reduced VAE: the hidden code is the mean, the standard deviation is 1."""

    def __init__(self, dim=64, n_downsample=2, n_res=4, activ="relu", pad_type="reflect", input_dim=3,
                 noise=torch.randn):
        super().__init__()
        self.enc = ContentEncoder(n_downsample, n_res, input_dim, dim, "in", activ, pad_type=pad_type)
        self.dec = Decoder(n_downsample, n_res, self.enc.output_dim, input_dim, res_norm="in", activ=activ,
                           pad_type=pad_type)
        self.noise = noise

    def encode(self, images):
        """(hidden, noise): one draw of noise(hidden.shape) per call, as the official encode."""
        hiddens = self.enc(images)
        return hiddens, self.noise(hiddens.shape).to(hiddens)

    def decode(self, hiddens):
        return self.dec(hiddens)

    def translate_to(self, other, images):
        """other's decoding of this domain's code without noise (the official test path)."""
        return other.decode(self.enc(images))


class MsImageDis(nn.Module):
    def __init__(self, input_dim=3, dim=64, n_layer=4, norm="none", activ="lrelu", num_scales=3, pad_type="reflect",
                 gan_type="lsgan"):
        super().__init__()
        if gan_type not in ("lsgan", "nsgan"):
            raise NotImplementedError(f"gan_type [{gan_type}] is not implemented")
        self.gan_type = gan_type
        self.downsample = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.cnns = nn.ModuleList()
        for _ in range(num_scales):
            d = dim
            layers = [Conv2dBlock(input_dim, d, 4, 2, 1, norm="none", activation=activ, pad_type=pad_type)]
            for _ in range(n_layer - 1):
                layers.append(Conv2dBlock(d, d * 2, 4, 2, 1, norm=norm, activation=activ, pad_type=pad_type))
                d *= 2
            layers.append(nn.Conv2d(d, 1, 1, 1, 0))
            self.cnns.append(nn.Sequential(*layers))

    def forward(self, x):
        outputs = []
        for i, net in enumerate(self.cnns):
            if i > 0:
                x = self.downsample(x)
            outputs.append(net(x))
        return outputs

    def calc_dis_loss(self, input_fake, input_real):
        """Σ over scales: mean(D(fake)²) + mean((D(real) − 1)²) (lsgan), or the BCE pair (nsgan);
        fake first, as the official forward order."""
        loss = 0
        for out0, out1 in zip(self.forward(input_fake), self.forward(input_real)):
            if self.gan_type == "lsgan":
                loss = loss + torch.mean(out0 ** 2) + torch.mean((out1 - 1) ** 2)
            else:
                loss = loss + torch.mean(F.binary_cross_entropy(torch.sigmoid(out0), torch.zeros_like(out0))
                                         + F.binary_cross_entropy(torch.sigmoid(out1), torch.ones_like(out1)))
        return loss

    def calc_gen_loss(self, input_fake):
        loss = 0
        for out0 in self.forward(input_fake):
            if self.gan_type == "lsgan":
                loss = loss + torch.mean((out0 - 1) ** 2)
            else:
                loss = loss + torch.mean(F.binary_cross_entropy(torch.sigmoid(out0), torch.ones_like(out0)))
        return loss


def ms_image_dis_fits(size, n_layer, num_scales):
    """Whether MsImageDis runs on size × size images: every 4×4 stride-2 layer (padding 1) of
    every scale needs an input of 2 pixels or more (reflect padding refuses 1), and each
    average-pooling halves the input rounding up."""
    for _ in range(num_scales):
        s = size
        for _ in range(n_layer):
            if s < 2:
                return False
            s //= 2
        size = (size + 1) // 2
    return True


def kaiming_init(m):
    """weights_init('kaiming') for one module: Kaiming-normal (fan_in, a = 0) weights, zero biases."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def gaussian_init(m):
    """weights_init('gaussian') for one module: N(0, 0.02) weights, zero biases."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def init_master(gen_a, gen_b, dis_a, dis_b):
    """UNIT_Trainer's initialisation: every network (in this order, children before parents as
    Module.apply visits them) Kaiming, then both discriminators N(0, 0.02). LayerNorm gamma keeps
    its U[0, 1) draw from construction."""
    for net in (gen_a, gen_b, dis_a, dis_b):
        net.apply(kaiming_init)
    dis_a.apply(gaussian_init)
    dis_b.apply(gaussian_init)


# ---------------------------------------------------------------------------------------------
# paper (version_02)
# ---------------------------------------------------------------------------------------------

def gaussian_weights_init(m):
    """init.py gaussian_weights_init: N(0, 0.02) on conv and transposed-conv weights only."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        m.weight.data.normal_(0.0, 0.02)


class LeakyReLUConv2d(nn.Module):
    def __init__(self, n_in, n_out, kernel_size, stride, padding=0):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(n_in, n_out, kernel_size, stride, padding, bias=True),
                                   nn.LeakyReLU(inplace=True))   # slope 0.01 (torch's default)
        self.model.apply(gaussian_weights_init)

    def forward(self, x):
        return self.model(x)


class ReLUINSConv2d(nn.Module):
    def __init__(self, n_in, n_out, kernel_size, stride, padding=0):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(n_in, n_out, kernel_size, stride, padding, bias=True),
                                   nn.InstanceNorm2d(n_out, affine=False), nn.ReLU(inplace=True))
        self.model.apply(gaussian_weights_init)

    def forward(self, x):
        return self.model(x)


class ReLUINSConvTranspose2d(nn.Module):
    def __init__(self, n_in, n_out, kernel_size, stride, padding, output_padding):
        super().__init__()
        self.model = nn.Sequential(nn.ConvTranspose2d(n_in, n_out, kernel_size, stride, padding, output_padding,
                                                      bias=True),
                                   nn.InstanceNorm2d(n_out, affine=False), nn.ReLU(inplace=True))
        self.model.apply(gaussian_weights_init)

    def forward(self, x):
        return self.model(x)


class INSResBlock(nn.Module):
    """x + [conv 3×3 (zero pad 1), IN, ReLU, conv 3×3, IN, dropout if > 0]; no activation after."""

    def __init__(self, inplanes, planes, stride=1, dropout=0.0):
        super().__init__()
        layers = [nn.Conv2d(inplanes, planes, 3, stride, 1), nn.InstanceNorm2d(planes), nn.ReLU(inplace=True),
                  nn.Conv2d(planes, planes, 3, 1, 1), nn.InstanceNorm2d(planes)]
        if dropout > 0:
            layers.append(nn.Dropout(p=dropout))
        self.model = nn.Sequential(*layers)
        self.model.apply(gaussian_weights_init)

    def forward(self, x):
        return self.model(x) + x


class GaussianNoiseLayer(nn.Module):
    """x + noise(x.shape) in training, x in evaluation."""

    def __init__(self, noise=torch.randn):
        super().__init__()
        self.noise = noise

    def forward(self, x):
        if not self.training:
            return x
        return x + self.noise(x.shape).to(x)


class COCOResGen(nn.Module):
    def __init__(self, ch=64, n_enc_front_blk=3, n_enc_res_blk=3, n_enc_shared_blk=1, n_gen_shared_blk=1,
                 n_gen_res_blk=3, n_gen_front_blk=3, res_dropout_ratio=0.0, input_dim_a=3, input_dim_b=3,
                 noise=torch.randn):
        super().__init__()
        r = res_dropout_ratio
        enc_a = [LeakyReLUConv2d(input_dim_a, ch, 7, 1, 3)]
        enc_b = [LeakyReLUConv2d(input_dim_b, ch, 7, 1, 3)]
        tch = ch
        for _ in range(1, n_enc_front_blk):
            enc_a.append(ReLUINSConv2d(tch, tch * 2, 3, 2, 1))
            enc_b.append(ReLUINSConv2d(tch, tch * 2, 3, 2, 1))
            tch *= 2
        for _ in range(n_enc_res_blk):
            enc_a.append(INSResBlock(tch, tch, dropout=r))
            enc_b.append(INSResBlock(tch, tch, dropout=r))
        enc_shared = [INSResBlock(tch, tch, dropout=r) for _ in range(n_enc_shared_blk)]
        enc_shared.append(GaussianNoiseLayer(noise))
        dec_shared = [INSResBlock(tch, tch, dropout=r) for _ in range(n_gen_shared_blk)]
        dec_a, dec_b = [], []
        for _ in range(n_gen_res_blk):
            dec_a.append(INSResBlock(tch, tch, dropout=r))
            dec_b.append(INSResBlock(tch, tch, dropout=r))
        for _ in range(n_gen_front_blk - 1):
            dec_a.append(ReLUINSConvTranspose2d(tch, tch // 2, 3, 2, 1, 1))
            dec_b.append(ReLUINSConvTranspose2d(tch, tch // 2, 3, 2, 1, 1))
            tch //= 2
        dec_a += [nn.ConvTranspose2d(tch, input_dim_a, 1, 1, 0), nn.Tanh()]
        dec_b += [nn.ConvTranspose2d(tch, input_dim_b, 1, 1, 0), nn.Tanh()]
        self.encode_A = nn.Sequential(*enc_a)
        self.encode_B = nn.Sequential(*enc_b)
        self.enc_shared = nn.Sequential(*enc_shared)
        self.dec_shared = nn.Sequential(*dec_shared)
        self.decode_A = nn.Sequential(*dec_a)
        self.decode_B = nn.Sequential(*dec_b)

    def forward(self, x_a, x_b):
        """(x_aa, x_ba, x_ab, x_bb, shared): both encodings through the shared layers as one batch
        (one noise draw of [N_a + N_b, C, h, w]), decoded by both decoders."""
        shared = self.enc_shared(torch.cat((self.encode_A(x_a), self.encode_B(x_b)), 0))
        out = self.dec_shared(shared)
        x_aa, x_ba = torch.split(self.decode_A(out), x_a.shape[0], dim=0)
        x_ab, x_bb = torch.split(self.decode_B(out), x_a.shape[0], dim=0)
        return x_aa, x_ba, x_ab, x_bb, shared

    def forward_a2b(self, x_a):
        shared = self.enc_shared(self.encode_A(x_a))
        return self.decode_B(self.dec_shared(shared)), shared

    def forward_b2a(self, x_b):
        shared = self.enc_shared(self.encode_B(x_b))
        return self.decode_A(self.dec_shared(shared)), shared


class COCODis(nn.Module):
    def __init__(self, ch=64, n_layer=6, input_dim_a=3, input_dim_b=3):
        super().__init__()
        self.model_A = self._make_net(ch, input_dim_a, n_layer)
        self.model_B = self._make_net(ch, input_dim_b, n_layer)

    @staticmethod
    def _make_net(ch, input_dim, n_layer):
        layers = [LeakyReLUConv2d(input_dim, ch, 3, 2, 1)]
        tch = ch
        for _ in range(1, n_layer):
            layers.append(LeakyReLUConv2d(tch, tch * 2, 3, 2, 1))
            tch *= 2
        layers.append(nn.Conv2d(tch, 1, 1, 1, 0))
        return nn.Sequential(*layers)

    def forward(self, x_a, x_b):
        """([D_A(x_a) flattened], [D_B(x_b) flattened]): lists of one output each."""
        return [self.model_A(x_a).reshape(-1)], [self.model_B(x_b).reshape(-1)]


def init_paper(gen, dis):
    """COCOGANTrainer's initialisation: gaussian_weights_init on dis, then on gen."""
    dis.apply(gaussian_weights_init)
    gen.apply(gaussian_weights_init)


# ---------------------------------------------------------------------------------------------

def parameter_count(net):
    return sum(p.numel() for p in net.parameters())


def check_parameter_counts():
    """The official defaults' sizes (architectures.md §0.1): master VAEGen and MsImageDis at
    dim 64, n_downsample 2, n_res 4 / dim 64, n_layer 4, 3 scales; paper COCOResGen and COCODis at
    exps/unit/cat2tiger.yaml (ch 64, 3/3/1/1/3/3 blocks; dis ch 64, n_layer 6)."""
    counts = {"VAEGen": (parameter_count(VAEGen()), 11_140_483),
              "MsImageDis": (parameter_count(MsImageDis()), 8_271_171),
              "COCOResGen": (parameter_count(COCOResGen()), 18_017_286),
              "COCODis": (parameter_count(COCODis()), 50_298_114)}
    for name, (got, want) in counts.items():
        assert got == want, f"{name}: {got:,} parameters, expected {want:,}"
    return {name: got for name, (got, _) in counts.items()}


if __name__ == "__main__":
    print(check_parameter_counts())
