# Scores of a translation against the true one, as `i2i translate` prints them
# (Sources/Datasets/TranslationScore.swift: L1 in [0, 1] pixel units and mean per-image PSNR of
# the 8-bit roundings; Sources/i2i/Translate.swift: inputs reflect-padded at the bottom and
# right to a multiple of 4).
# No official repository scores this way: the demo data's true translations are i2i's.
import json
import os

import torch
import torch.nn.functional as F

from .data import load_split


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
            line = {"step": step, **{name: total / self.count for name, total in self.sums.items()}}
            with open(self.path, "a") as f:
                f.write(json.dumps(line) + "\n")
            self.sums, self.count = {}, 0
