# What the fixture generators (Tests/<Target>/Fixtures/make_fixtures.py) share besides the
# models: writing a tensor as a float32 dataset, the output folder a generator writes to (its
# own folder, or --out DIR as `launch/make-fixtures --check` uses), and the versions of the
# libraries it runs with, which a generator prints so that they can be compared with the ones
# its header names. Not tied to any official repository. Imports neither torch nor h5py.
import argparse
import os
import platform
import sys


def put(group, name, t):
    """t (a torch tensor) as a float32 dataset `name` of the h5py group."""
    import torch
    group.create_dataset(name, data=t.detach().to(torch.float32).numpy())


def output_folder(default, description=None, names=None):
    """The folder to write to: --out DIR or `default` (created if needed). With `names` (a list),
    also the names given as arguments, each one of `names` (all of them when none is given)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=default, help="folder to write the fixtures to (default: %(default)s)")
    if names:
        parser.add_argument("names", nargs="*", metavar="|".join(names), help="write only these (default: all)")
    args = parser.parse_args()
    for name in (args.names if names else []):
        if name not in names:
            parser.error(f"unknown name {name!r} (choose from {', '.join(names)})")
    os.makedirs(args.out, exist_ok=True)
    out = os.path.abspath(args.out)
    return (out, args.names or names) if names else out


def versions():
    """'Python 3.11.7, torch 2.15.0, …' for the libraries this process has imported."""
    parts = [f"Python {platform.python_version()}"]
    for module, name in (("torch", "torch"), ("numpy", "numpy"), ("h5py", "h5py"), ("PIL", "Pillow")):
        if module in sys.modules:
            parts.append(f"{name} {getattr(sys.modules[module], '__version__', '?')}")
    if "h5py" in sys.modules:
        parts.append(f"HDF5 {sys.modules['h5py'].version.hdf5_version}")
    return ", ".join(parts)
