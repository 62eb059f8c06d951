# Scores of a translation against the true one, as `i2i translate` prints them
# (Sources/Datasets/TranslationScore.swift: L1 in [0, 1] pixel units and mean per-image PSNR of
# the 8-bit roundings; Sources/i2i/Translate.swift: inputs reflect-padded at the bottom and
# right to a multiple of 4; Sources/i2i/TranslateExemplar.swift: a paired split's label maps
# translated with their listed exemplars `exemplars[k, 0]` from `train`, the identity baseline
# being the split's own images against the truth).
# No official repository scores this way: the demo data's true translations are i2i's.
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from .data import load_split, resized_labels, resized_uint8


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


def print_paired_scores(f, split, translate, side):
    """Scores a paired split as `i2i translate --input DATA.h5:split` does for an exemplar model:
    each label map with the training image (and label map) its row `exemplars[k, 0]` names,
    both fitted to the model's `side` (maps nearest, images bicubic) and the output fitted back
    to the stored size through 8 bits; translate(labels [n, 1, s, s] class ids, exemplars
    [n, 3, s, s], exemplar labels [n, 1, s, s]) → [n, 3, s, s]. Prints i2i's score line."""
    with torch.no_grad():
        group, train = f[split], f["train"]
        stored = group["labels"].shape[1]
        rows = [int(j) for j in group["exemplars"][:, 0]]
        maps = torch.from_numpy(resized_labels(group["labels"][...], side)).unsqueeze(1).float()
        train_images, train_labels = train["images"][...], train["labels"][...]
        ex = torch.from_numpy(resized_uint8(train_images[rows], side)).permute(0, 3, 1, 2).float() / 127.5 - 1
        ex_labels = torch.from_numpy(resized_labels(train_labels[rows], side)).unsqueeze(1).float()
        y = torch.cat([translate(maps[i:i + 16], ex[i:i + 16], ex_labels[i:i + 16]) for i in range(0, len(maps), 16)])
        if side != stored:
            pixels = ((y.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
            y = torch.from_numpy(np.ascontiguousarray(resized_uint8(pixels, stored))).permute(0, 3, 1, 2).float() / 127.5 - 1
        x, truth = load_split(f, split), load_split(f, split, "truth")
        l1v, psnr = score(y, truth)
        il1, ipsnr = score(x, truth)
        print(f"score on {split} against the truth: L1 {l1v:.4f}, PSNR {psnr:.2f} dB "
              f"(identity: L1 {il1:.4f}, PSNR {ipsnr:.2f} dB)", flush=True)


class MetricsLog:
    """Appends {"step": s, <loss term>: mean since the last line, ...} to a metrics.jsonl every
    `every` steps, as i2i train logs its loss terms (window means), so `i2i plot` can draw a
    reference run beside an i2i run. Does nothing without a path."""

    def __init__(self, path, every):
        self.path, self.every, self.sums, self.count = path, max(1, int(every)), {}, 0
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            open(path, "w").close()

    def add(self, step, losses):
        if not self.path:
            return
        for name, value in losses.items():
            self.sums[name] = self.sums.get(name, 0.0) + float(value)
        self.count += 1
        if step % self.every == 0:
            self.flush(step)

    def flush(self, step):
        """Writes the open window as the line of `step`; call it after the last step, as i2i train
        also logs its final step."""
        if self.path and self.count:
            line = {"step": step, **{name: total / self.count for name, total in self.sums.items()}}
            with open(self.path, "a") as f:
                f.write(json.dumps(line) + "\n")
            self.sums, self.count = {}, 0
