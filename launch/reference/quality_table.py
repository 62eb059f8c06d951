#!/usr/bin/env python3
"""The table launch/quality prints: i2i beside the PyTorch reference, per model and direction
(unpaired models: testA, testB and both; paired models such as CoCosNet: their one split `test`,
label map → image), as mean ± standard deviation over seeds, from the results.tsv that
launch/quality writes.

    python3 launch/reference/quality_table.py runs/quality/results.tsv [more.tsv …] [--models "cyclegan aggan"]
        [--seeds "0 1 2"] [--no-times]

The L1 ratio is i2i's mean L1 over PyTorch's (below 1.10: within 10 %). Standard library only.
"""
import argparse
import csv
import statistics
from collections import defaultdict

DIRECTIONS = {"testA": "A→B", "testB": "B→A", "both": "both", "test": "map→image"}
NAMES = {"cyclegan": "CycleGAN", "aggan": "AGGAN", "unit": "UNIT", "cocosnet": "CoCosNet"}


def stats(values, digits):
    if not values:
        return "–"
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results", nargs="+", help="results.tsv files (several: their runs are pooled)")
    p.add_argument("--models", default="cyclegan aggan")
    p.add_argument("--seeds", default="")
    p.add_argument("--threads", default="2")
    p.add_argument("--no-times", action="store_true", help="leave out the times (runs pooled from different settings)")
    a = p.parse_args()
    seeds = set(a.seeds.split())
    rows = [r for path in a.results for r in csv.DictReader(open(path), delimiter="\t") if not seeds or r["seed"] in seeds]
    # (model, steps) -> side -> split -> seed -> row
    runs = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for r in rows:
        runs[(r["model"], int(r["steps"]))][r["side"]][r["split"]][r["seed"]] = r
    times = "" if a.no_times else " i2i time (s) | PyTorch time (s) |"
    print(f"| model | direction | steps | seeds | i2i L1 | PyTorch L1 | L1 ratio | i2i PSNR (dB) | PyTorch PSNR (dB) "
          f"| identity L1 / PSNR |{times}")
    print("|---" * (10 if a.no_times else 12) + "|")
    verdicts = []
    for model in a.models.split():
        for (m, steps), sides in sorted(runs.items()):
            if m != model:
                continue
            # A paired model scores its one split `test`; an unpaired one both directions and their mean.
            paired = any("test" in sides[side] for side in sides)
            splits = ("test",) if paired else ("testA", "testB", "both")
            for split in splits:
                col = {}
                for side in ("i2i", "pytorch"):
                    if split == "both":
                        per_seed = [(s, [sides[side][t][s] for t in ("testA", "testB")])
                                    for s in sides[side].get("testA", {}) if s in sides[side].get("testB", {})]
                        l1 = [statistics.fmean(float(r["l1"]) for r in rs) for _, rs in per_seed]
                        psnr = [statistics.fmean(float(r["psnr"]) for r in rs) for _, rs in per_seed]
                        secs = [float(rs[0]["seconds"]) for _, rs in per_seed]
                        ident = [(statistics.fmean(float(r["identity_l1"]) for r in rs),
                                  statistics.fmean(float(r["identity_psnr"]) for r in rs)) for _, rs in per_seed]
                    else:
                        rs = list(sides[side][split].values())
                        l1 = [float(r["l1"]) for r in rs]
                        psnr = [float(r["psnr"]) for r in rs]
                        secs = [float(r["seconds"]) for r in rs]
                        ident = [(float(r["identity_l1"]), float(r["identity_psnr"])) for r in rs]
                    col[side] = dict(l1=l1, psnr=psnr, secs=secs, ident=ident)
                i, t = col["i2i"], col["pytorch"]
                ratio = (statistics.fmean(i["l1"]) / statistics.fmean(t["l1"])) if i["l1"] and t["l1"] else None
                ident = (i["ident"] or t["ident"] or [(float("nan"), float("nan"))])[0]
                n = f"{len(i['l1'])} / {len(t['l1'])}"
                print(f"| {NAMES.get(model, model)} | {DIRECTIONS[split]} | {steps} | {n} | {stats(i['l1'], 4)} "
                      f"| {stats(t['l1'], 4)} | {'–' if ratio is None else f'{ratio:.3f}'} | {stats(i['psnr'], 2)} "
                      f"| {stats(t['psnr'], 2)} | {ident[0]:.4f} / {ident[1]:.2f} |"
                      + ("" if a.no_times else f" {stats(i['secs'], 0)} | {stats(t['secs'], 0)} |"))
                if split == splits[-1] and ratio is not None:
                    mi, mt = statistics.median(i["l1"]), statistics.median(t["l1"])
                    verdicts.append(f"{NAMES.get(model, model)} ({steps} steps): i2i's mean L1 is {ratio:.3f}× PyTorch's "
                                    f"({'within' if ratio <= 1.10 else 'NOT within'} 10 %); medians over seeds "
                                    f"{mi:.4f} and {mt:.4f} ({mi / mt:.3f}×); per seed, i2i "
                                    f"{' '.join(f'{v:.3f}' for v in i['l1'])}, PyTorch {' '.join(f'{v:.3f}' for v in t['l1'])}")
    print()
    print("seeds: i2i / PyTorch runs; mean ± standard deviation over seeds"
          + ("." if a.no_times else f"; {a.threads} threads each; times: wall-clock of training and translating "
             "the test sets, start to end."))
    for v in verdicts:
        print(v)


if __name__ == "__main__":
    main()
