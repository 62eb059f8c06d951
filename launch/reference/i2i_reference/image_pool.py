# The image pool of junyanz/pytorch-CycleGAN-and-pix2pix `util/image_pool.py` (i2i:
# Sources/Models/Networks/ImagePool.swift), which both CycleGAN and AGGAN (whose main.py has its
# own copy of the rule) use to show the discriminators a history of fakes. While the pool holds
# fewer than `size` samples each sample is stored and returned; afterwards, with probability ½,
# a uniformly chosen stored sample is returned and replaced by the new one, otherwise the new
# one is returned. AGGAN stores each fake with its attention mask: companions travel with their
# image. Samples are stored detached.
import random

import torch


class ImagePool:
    def __init__(self, size=50, rng=random):
        """`rng`: a random.Random (or the random module, as the official code uses)."""
        self.size, self.rng, self.items = size, rng, []

    def query(self, images, *companions):
        """A batch of the same size; returns the images, or (images, *companions) if given."""
        batch = [images.detach()] + [c.detach() for c in companions]
        if self.size == 0:
            return tuple(batch) if companions else batch[0]
        picked = []
        for i in range(len(batch[0])):
            sample = [t[i:i + 1] for t in batch]
            if len(self.items) < self.size:
                self.items.append(sample)
            elif self.rng.random() > 0.5:
                k = self.rng.randint(0, self.size - 1)
                self.items[k], sample = sample, [t.clone() for t in self.items[k]]
            picked.append(sample)
        out = tuple(torch.cat(column) for column in zip(*picked))
        return out if companions else out[0]
