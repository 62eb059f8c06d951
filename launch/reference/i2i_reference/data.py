# i2i dataset files in PyTorch: loading a split, resizing as i2i's loader does, and the stream of
# training batches as i2i's trainer draws it (Sources/Datasets/ShardedSampler.swift,
# Augmentation.swift, DataLoader.swift), which stands in for the official repositories' data
# loaders (junyanz/pytorch-CycleGAN-and-pix2pix `data/unaligned_dataset.py`; AGGAN's TF input
# pipeline; microsoft/CoCosNet `data/pix2pix_dataset.py` for paired data)
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
# Paired data (CoCosNet; `PairedTrainingStream`), as ShardedSampler.swift, DataLoader.swift and
# ExemplarLists.swift draw it, again the same distribution, not the same sequence:
# - an epoch has N (the `train` split's size) positions and ⌊N / batch⌋ steps; position i of
#   epoch e takes image perm_e[i] with its label map;
# - its exemplar (microsoft/CoCosNet data/pix2pix_dataset.py `__getitem__`, probabilities from
#   options/train_options.py): p uniform in [0, 1); p < 0.2 the last ("hard") candidate of the
#   image's retrieval list (`train/exemplars`, rows padded with -1), 0.2 ≤ p < 0.7 the first
#   ("easy") one, else the image itself, flagged as a self-reference (a pseudo pair); without
#   retrieval lists every sample is a self-reference;
# - the image and its label map share one crop and flip, the exemplar and its label map draw
#   their own (i2i's "B" choice), so a self-reference is the image re-cropped and maybe mirrored;
# - images resize as above, label maps with i2i's nearest source pixel ⌊(x + ½)·in / out⌋
#   (Resampling.swift; Pillow 13's NEAREST picks the pixel before at some exact ties, e.g. output
#   columns 49, 58, 67 of 64 → 72); label maps come out as class ids [batch, 1, crop, crop].
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


def resized_labels(maps, size):
    """[N, H, W] uint8 class ids resized to size × size by the nearest source pixel
    ⌊(x + ½)·in / out⌋ (in that order of operations), as i2i resizes label maps."""
    n, h, w = maps.shape
    if h == size and w == size:
        return maps
    ys = np.minimum(h - 1, ((np.arange(size) + 0.5) * h / size).astype(np.int64))
    xs = np.minimum(w - 1, ((np.arange(size) + 0.5) * w / size).astype(np.int64))
    return maps[:, ys][:, :, xs]


class PairedTrainingStream:
    """Batches (labels, image, exemplar, exemplar labels, self_ref) of a paired dataset's `train`
    split: class ids [batch, 1, crop, crop] (float), images [batch, 3, crop, crop] in [-1, 1],
    self_ref [batch] (1.0 for a pseudo pair, else 0.0)."""

    LISTED, HARD = 0.7, 0.2  # real_reference_probability, hard_reference_probability

    def __init__(self, f, load, crop, flip, batch, seed):
        train = f["train"]
        self.images = torch.from_numpy(resized_uint8(train["images"][...], load)).permute(0, 3, 1, 2).contiguous()
        self.labels = torch.from_numpy(resized_labels(train["labels"][...], load)).unsqueeze(1).contiguous()
        self.lists = None
        if "exemplars" in train:
            table = train["exemplars"][...]
            self.lists = [[int(j) for j in row if j >= 0] for row in table]
        self.load, self.crop, self.flip, self.batch = load, crop, flip, batch
        self.length = len(self.images)
        self.steps_per_epoch = self.length // batch
        if self.steps_per_epoch < 1:
            raise SystemExit(f"batch {batch} is larger than the epoch ({self.length} images)")
        self.rng = random.Random(f"{seed}/paired-data")
        self.perm, self.epoch = None, -1

    def choice(self):
        slack = self.load - self.crop
        return self.rng.randint(0, slack), self.rng.randint(0, slack), self.flip and self.rng.random() < 0.5

    def augmented(self, img, choice):
        x, y, mirrored = choice
        out = img[:, y:y + self.crop, x:x + self.crop]
        return out.flip(2) if mirrored else out

    def exemplar_of(self, i):
        """(exemplar index, self-reference?) of image i, by the official rule."""
        p = self.rng.random()
        if self.lists is not None and p < self.LISTED:
            return (self.lists[i][-1] if p < self.HARD else self.lists[i][0]), False
        return i, True

    def batch_at(self, step):
        """The batch of global step `step` (from 0) and its epoch; steps are drawn in order."""
        epoch, k = divmod(step, self.steps_per_epoch)
        if epoch != self.epoch:
            self.perm, self.epoch = list(range(self.length)), epoch
            self.rng.shuffle(self.perm)
        labels, images, exemplars, exemplar_labels, self_ref = [], [], [], [], []
        for pos in range(k * self.batch, (k + 1) * self.batch):
            i = self.perm[pos]
            e, is_self = self.exemplar_of(i)
            mine, theirs = self.choice(), self.choice()
            images.append(self.augmented(self.images[i], mine))
            labels.append(self.augmented(self.labels[i], mine))
            exemplars.append(self.augmented(self.images[e], theirs))
            exemplar_labels.append(self.augmented(self.labels[e], theirs))
            self_ref.append(1.0 if is_self else 0.0)
        unit = lambda t: torch.stack(t).float() / 127.5 - 1  # noqa: E731
        return (torch.stack(labels).float(), unit(images), unit(exemplars), torch.stack(exemplar_labels).float(),
                torch.tensor(self_ref), epoch)


def uniform_batches(steps, n, size, dtype=torch.float32):
    """`steps` pairs (a, b) of [n, 3, size, size] uniform in [-1, 1) from torch's global
    generator (a before b, step after step): the synthetic batches of the golden fixtures."""
    return [(torch.rand(n, 3, size, size, dtype=dtype) * 2 - 1, torch.rand(n, 3, size, size, dtype=dtype) * 2 - 1)
            for _ in range(steps)]
