# i2i dataset files in PyTorch: loading a split, resizing as i2i's loader does, and the stream of
# training batches as i2i's trainer draws it (Sources/Datasets/ShardedSampler.swift,
# Augmentation.swift), which stands in for the official repositories' data loaders
# (junyanz/pytorch-CycleGAN-and-pix2pix `data/unaligned_dataset.py`; AGGAN's TF input pipeline)
# so that both sides of a quality comparison see the same distribution of batches.
# The stream uses Python's own random numbers, so it is the same distribution, not the same
# sequence:
# - an epoch has L = max(N_A, N_B) positions and ⌊L / batch⌋ steps (the tail is dropped);
# - position i of epoch e takes A image perm_e[i] mod N_A (perm_e a fresh permutation of 0..<L)
#   and a B image drawn uniformly, independently of A;
# - each image is resized to load_size with Pillow's antialiased bicubic on 8-bit pixels (what
#   i2i's resampler reproduces), then cropped at a uniform offset and mirrored with probability
#   ½, with A and B drawn independently; pixels become x / 127.5 − 1.
# Without Pillow the resize falls back to torch's bicubic (a = −0.75 instead of −0.5).
import random

import numpy as np
import torch
import torch.nn.functional as F


def load_split(f, name, key="images"):
    """[N, 3, H, W] float32 in [-1, 1] from an i2i dataset split (an open h5py file `f`)."""
    return torch.from_numpy(f[name][key][...]).permute(0, 3, 1, 2).float() / 127.5 - 1


def resized_uint8(images, size):
    """[N, H, W, 3] uint8 resized to size × size, 8-bit in and out, as i2i's loader does."""
    if images.shape[1] == size and images.shape[2] == size:
        return images
    try:
        from PIL import Image
        return np.stack([np.asarray(Image.fromarray(img).resize((size, size), Image.BICUBIC)) for img in images])
    except ImportError:
        x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
        y = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False, antialias=True)
        return y.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


class TrainingStream:
    """Batches (a, b) of augmented training images, [batch, 3, crop, crop] each."""

    def __init__(self, f, load, crop, flip, batch, seed):
        self.a = torch.from_numpy(resized_uint8(f["trainA"]["images"][...], load)).permute(0, 3, 1, 2).contiguous()
        self.b = torch.from_numpy(resized_uint8(f["trainB"]["images"][...], load)).permute(0, 3, 1, 2).contiguous()
        self.load, self.crop, self.flip, self.batch = load, crop, flip, batch
        self.length = max(len(self.a), len(self.b))
        self.steps_per_epoch = self.length // batch
        if self.steps_per_epoch < 1:
            raise SystemExit(f"batch {batch} is larger than the epoch ({self.length} images)")
        self.rng = random.Random(f"{seed}/data")
        self.perm, self.epoch = None, -1

    def augmented(self, img):
        slack = self.load - self.crop
        x, y = self.rng.randint(0, slack), self.rng.randint(0, slack)
        out = img[:, y:y + self.crop, x:x + self.crop]
        if self.flip and self.rng.random() < 0.5:
            out = out.flip(2)
        return out

    def batch_at(self, step):
        """The batch of global step `step` (from 0) and its epoch; steps are drawn in order."""
        epoch, k = divmod(step, self.steps_per_epoch)
        if epoch != self.epoch:
            self.perm, self.epoch = list(range(self.length)), epoch
            self.rng.shuffle(self.perm)
        positions = range(k * self.batch, (k + 1) * self.batch)
        a = torch.stack([self.augmented(self.a[self.perm[i] % len(self.a)]) for i in positions])
        b = torch.stack([self.augmented(self.b[self.rng.randrange(len(self.b))]) for _ in positions])
        return a.float() / 127.5 - 1, b.float() / 127.5 - 1, epoch


def uniform_batches(steps, n, size, dtype=torch.float32):
    """`steps` pairs (a, b) of [n, 3, size, size] uniform in [-1, 1) from torch's global
    generator (a before b, step after step): the synthetic batches of the golden fixtures."""
    return [(torch.rand(n, 3, size, size, dtype=dtype) * 2 - 1, torch.rand(n, 3, size, size, dtype=dtype) * 2 - 1)
            for _ in range(steps)]
