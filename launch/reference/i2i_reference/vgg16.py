# The VGG16 of the MUNIT code base's domain-invariant perceptual loss in PyTorch, with the
# official state names (NVlabs/MUNIT and mingyuliutw/UNIT master: `networks.py: Vgg16`,
# `utils.py: vgg_preprocess`, `trainer.py: compute_vgg_loss`): thirteen 3×3 convs with ReLU,
# 2×2 max pools after conv1_2, conv2_2 and conv3_3 only (none after conv4_3), relu5_3 out;
# input BGR in [0, 255] minus the Caffe means; loss mean((IN(φ(x)) − IN(φ(y)))²) with
# `InstanceNorm2d(affine=False)`. `width_divisor` narrows every layer but the input, for test
# fixtures small enough to commit (the official network is width_divisor 1).
import torch
import torch.nn as nn
import torch.nn.functional as F

LAYERS = [("conv1_1", 3, 64), ("conv1_2", 64, 64), ("conv2_1", 64, 128), ("conv2_2", 128, 128),
          ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), ("conv4_1", 256, 512),
          ("conv4_2", 512, 512), ("conv4_3", 512, 512), ("conv5_1", 512, 512), ("conv5_2", 512, 512),
          ("conv5_3", 512, 512)]
POOL_AFTER = {"conv1_2", "conv2_2", "conv3_3"}


class Vgg16(nn.Module):
    def __init__(self, width_divisor=1):
        super().__init__()
        for name, cin, cout in LAYERS:
            cin = cin if cin == 3 else cin // width_divisor
            setattr(self, name, nn.Conv2d(cin, cout // width_divisor, kernel_size=3, stride=1, padding=1))

    def forward(self, x):
        h = x
        for name, _, _ in LAYERS:
            h = F.relu(getattr(self, name)(h))
            if name in POOL_AFTER:
                h = F.max_pool2d(h, kernel_size=2, stride=2)
        return h


def preprocess(rgb):
    """RGB in [-1, 1] → BGR in [0, 255] minus the Caffe channel means."""
    r, g, b = torch.chunk(rgb, 3, dim=1)
    bgr = (torch.cat((b, g, r), dim=1) + 1) * 255 * 0.5
    mean = torch.tensor([103.939, 116.779, 123.680], dtype=rgb.dtype).view(1, 3, 1, 1)
    return bgr - mean


def perceptual_loss(vgg, image, target):
    """The domain-invariant perceptual loss between `image` and `target`."""
    f, g = vgg(preprocess(image)), vgg(preprocess(target))
    return torch.mean((F.instance_norm(f, eps=1e-5) - F.instance_norm(g, eps=1e-5)) ** 2)
