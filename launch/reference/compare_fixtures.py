#!/usr/bin/env python3
"""Compares regenerated fixtures with the committed ones, for `launch/make-fixtures --check`.

    python3 launch/reference/compare_fixtures.py COMMITTED_DIR REGENERATED_DIR

Both folders hold the same layout (<Target>/<file>). Every regenerated file must exist in the
committed folder and every committed file except the generators (*.py; __pycache__ is skipped)
must be regenerated. HDF5 files are compared object by object: the same groups and datasets,
every dataset's dtype, shape and bytes (exact equality, so NaNs and signed zeros count too),
every attribute's name, dtype and value, on the root, groups and datasets alike; whether the
files are also byte-identical is reported but not required (HDF5 may lay out identical content
differently). Other files must be byte-identical. Prints one line per file and exits 1 on any
difference.
"""
import os
import sys

import numpy as np


def walk(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        out += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(out)


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return all(x == y for x, y in zip(a.ravel(), b.ravel()))
    return a.tobytes() == b.tobytes()


def h5_differences(path_a, path_b, limit=20):
    import h5py
    problems = []

    def attrs(name, x, y):
        if sorted(x.attrs) != sorted(y.attrs):
            problems.append(f"{name}: attribute names {sorted(x.attrs)} != {sorted(y.attrs)}")
            return
        for k in x.attrs:
            if not same_value(x.attrs[k], y.attrs[k]):
                problems.append(f"{name}@{k}: {x.attrs[k]!r} != {y.attrs[k]!r}")

    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        if sorted(names_a) != sorted(names_b):
            only_a, only_b = sorted(set(names_a) - set(names_b)), sorted(set(names_b) - set(names_a))
            problems.append(f"objects only in committed: {only_a[:5]}, only regenerated: {only_b[:5]}")
        attrs("/", fa, fb)
        datasets = 0
        for name in sorted(set(names_a) & set(names_b)):
            x, y = fa[name], fb[name]
            if isinstance(x, h5py.Dataset) != isinstance(y, h5py.Dataset):
                problems.append(f"{name}: group in one file, dataset in the other")
                continue
            attrs(name, x, y)
            if isinstance(x, h5py.Dataset):
                datasets += 1
                if x.dtype != y.dtype or x.shape != y.shape:
                    problems.append(f"{name}: {x.dtype}{x.shape} != {y.dtype}{y.shape}")
                elif not same_value(x[()], y[()]):
                    va, vb = np.asarray(x[()], np.float64), np.asarray(y[()], np.float64)
                    problems.append(f"{name}: values differ at {int((va != vb).sum())} of {va.size}, "
                                    f"largest |Δ| {float(np.nanmax(np.abs(va - vb))):.3g}")
            if len(problems) >= limit:
                break
    return problems, len(names_a), datasets


def main():
    committed, regenerated = sys.argv[1], sys.argv[2]
    made = walk(regenerated)
    expected = [f for f in walk(committed) if not f.endswith(".py")]
    failed = False
    for f in sorted(set(expected) - set(made)):
        print(f"MISSING    {f}: committed but not regenerated")
        failed = True
    for f in made:
        a, b = os.path.join(committed, f), os.path.join(regenerated, f)
        if not os.path.exists(a):
            print(f"NEW        {f}: regenerated but not committed")
            failed = True
            continue
        identical_bytes = open(a, "rb").read() == open(b, "rb").read()
        if f.endswith(".h5"):
            problems, objects, datasets = h5_differences(a, b)
            if problems:
                failed = True
                print(f"DIFFERENT  {f}:")
                for p in problems:
                    print(f"             {p}")
            else:
                print(f"SAME       {f}: {objects} objects, {datasets} datasets and every attribute equal; "
                      f"bytes {'identical' if identical_bytes else 'differ (layout only)'}")
        elif identical_bytes:
            print(f"SAME       {f}: bytes identical")
        else:
            print(f"DIFFERENT  {f}: bytes differ")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
