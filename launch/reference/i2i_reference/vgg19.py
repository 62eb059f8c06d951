# The frozen VGG19 of CoCosNet in PyTorch, with the official state names (microsoft/CoCosNet,
# models/networks/correspondence.py `VGG19_feature_color_torchversion`, util/util.py
# `vgg_preprocess`): sixteen 3×3 convs conv1_1 … conv5_4 (padding 1) each followed by ReLU,
# named r11 … r54, and 2×2 max pools p1 … p5 after r12, r22, r34, r44, r54. With
# `vgg_normal_correct` (the README's commands) the input RGB in [-1, 1] becomes (x + 1) / 2, then
# BGR minus (0.40760392, 0.45795686, 0.48501961), times 255. The losses read r12, r22, r32, r42,
# r52 (models/pix2pix_model.py: `vggnet_fix(…, ['r12', 'r22', 'r32', 'r42', 'r52'])`; the
# perceptual term is the MSE of r52, or r42 with which_perceptual 4_2). `width_divisor` narrows
# every layer but the input, for test fixtures small enough to commit.
import torch
import torch.nn as nn
import torch.nn.functional as F

LAYERS = [("conv1_1", 3, 64), ("conv1_2", 64, 64),
          ("conv2_1", 64, 128), ("conv2_2", 128, 128),
          ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), ("conv3_4", 256, 256),
          ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512), ("conv4_4", 512, 512),
          ("conv5_1", 512, 512), ("conv5_2", 512, 512), ("conv5_3", 512, 512), ("conv5_4", 512, 512)]
POOL_AFTER = {"conv1_2": "p1", "conv2_2": "p2", "conv3_4": "p3", "conv4_4": "p4", "conv5_4": "p5"}
BGR_MEAN = (0.40760392, 0.45795686, 0.48501961)
FEATURES = ["r12", "r22", "r32", "r42", "r52"]


class Vgg19(nn.Module):
    def __init__(self, width_divisor=1):
        super().__init__()
        for name, cin, cout in LAYERS:
            cin = cin if cin == 3 else cin // width_divisor
            setattr(self, name, nn.Conv2d(cin, cout // width_divisor, kernel_size=3, padding=1))

    def forward(self, x, out_keys):
        """Preprocessed input → the activations named in out_keys (r11 … r54, p1 … p5)."""
        out, h = {}, x
        for name, _, _ in LAYERS:
            h = F.relu(getattr(self, name)(h))
            out["r" + name[4] + name[6]] = h
            if name in POOL_AFTER:
                h = F.max_pool2d(h, kernel_size=2, stride=2)
                out[POOL_AFTER[name]] = h
        return [out[k] for k in out_keys]


def preprocess(rgb):
    """vgg_preprocess with vgg_normal_correct: RGB in [-1, 1] → BGR minus the means, × 255."""
    x = (rgb + 1) / 2
    bgr = torch.cat((x[:, 2:3], x[:, 1:2], x[:, 0:1]), dim=1)
    return (bgr - torch.tensor(BGR_MEAN, dtype=rgb.dtype).view(1, 3, 1, 1)) * 255


def feature_loss(vgg, x, y):
    """A test expression through every feature the losses read: Σ_k mean((φ_k(x) − φ_k(y))²)."""
    fx, fy = vgg(preprocess(x), FEATURES), vgg(preprocess(y), FEATURES)
    return sum(F.mse_loss(a, b.detach()) for a, b in zip(fx, fy))
