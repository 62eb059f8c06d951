"""What the PyTorch reference scripts share: reading an i2i dataset file, the training data
stream as i2i's trainer draws it, and the score against the truth as `i2i translate` prints it.

The data stream follows i2i's rules (Sources/Datasets/ShardedSampler.swift, Augmentation.swift)
with Python's own random numbers, so it is the same distribution, not the same sequence:
- an epoch has L = max(N_A, N_B) positions and ⌊L / batch⌋ steps (the tail is dropped);
- position i of epoch e takes A image perm_e[i] mod N_A (perm_e a fresh permutation of 0..<L)
  and a B image drawn uniformly, independently of A;
- each image is resized to load_size with Pillow's antialiased bicubic on 8-bit pixels (what
  i2i's resampler reproduces), then cropped at a uniform offset and mirrored with probability
  ½, with A and B drawn independently; pixels become x / 127.5 − 1.
Without Pillow the resize falls back to torch's bicubic (a = −0.75 instead of −0.5).
"""
import random

import numpy as np
import torch
import torch.nn.functional as F


def load_split(f, name, key="images"):
    """[N, 3, H, W] float32 in [-1, 1] from an i2i dataset split."""
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
        """The batch of global step `step` (from 0) and its epoch."""
        epoch, k = divmod(step, self.steps_per_epoch)
        if epoch != self.epoch:
            self.perm, self.epoch = list(range(self.length)), epoch
            self.rng.shuffle(self.perm)
        positions = range(k * self.batch, (k + 1) * self.batch)
        a = torch.stack([self.augmented(self.a[self.perm[i] % len(self.a)]) for i in positions])
        b = torch.stack([self.augmented(self.b[self.rng.randrange(len(self.b))]) for _ in positions])
        return a.float() / 127.5 - 1, b.float() / 127.5 - 1, epoch


def score(outputs, truths):
    """L1 (in [0, 1] pixel units) and mean per-image PSNR of 8-bit roundings, as i2i scores."""
    o = ((outputs.clamp(-1, 1) + 1) * 127.5).round() / 255
    t = ((truths + 1) * 127.5).round() / 255
    l1 = (o - t).abs().mean().item()
    mse = ((o - t) ** 2).mean(dim=(1, 2, 3))
    psnr = torch.where(mse == 0, torch.full_like(mse, 100.0), 10 * torch.log10(1 / mse.clamp(min=1e-20)))
    return l1, psnr.mean().item()


def translate_padded(translate, x, multiple=4):
    """translate(x) with the bottom and right edges reflect-padded to a multiple (as i2i does)."""
    ph, pw = (-x.shape[-2]) % multiple, (-x.shape[-1]) % multiple
    if ph or pw:
        return translate(F.pad(x, (0, pw, 0, ph), mode="reflect"))[:, :, :x.shape[-2], :x.shape[-1]]
    return translate(x)


def print_scores(f, translators):
    """Scores {split: translate} on the splits' truth; prints i2i translate's score lines."""
    with torch.no_grad():
        for split, translate in translators.items():
            x = load_split(f, split)
            truth = load_split(f, split, "truth")
            y = torch.cat([translate_padded(translate, x[i:i + 16]) for i in range(0, len(x), 16)])
            l1v, psnr = score(y, truth)
            il1, ipsnr = score(x, truth)
            print(f"score on {split} against the truth: L1 {l1v:.4f}, PSNR {psnr:.2f} dB "
                  f"(identity: L1 {il1:.4f}, PSNR {ipsnr:.2f} dB)", flush=True)
