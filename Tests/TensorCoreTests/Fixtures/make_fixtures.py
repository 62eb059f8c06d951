#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for the TensorCore op tests.

Run with Python 3.11.7, torch 2.15.0+cu132 (on the CPU), numpy 2.4.6, h5py 3.16.0 (HDF5 2.0.0).
Regenerate (from anywhere; `launch/make-fixtures` runs every generator):
    python3 Tests/TensorCoreTests/Fixtures/make_fixtures.py [--out DIR]
The files (one HDF5 file per op family) land next to this file, or in DIR, and are committed,
so CI needs neither torch nor h5py. The ops are torch's own (torch.nn.functional), so this
generator needs nothing from launch/reference/i2i_reference/ but its fixture helpers.

Layout of each file, one group per case:

    /<case>                     attributes: op (string) and the op's parameters
    /<case>/inputs/<name>       float32, the op's inputs (class ids stored as float32 too)
    /<case>/R                   float32, a fixed random tensor of the output's shape
    /<case>/output              float32, the forward output
    /<case>/grads/<name>        float32, d/d<name> of (output * R).sum(), one per
                                differentiable input (an input without one takes no gradient)

Inputs are drawn as float32; the reference is computed in float64 from exactly those float32
values, then stored as float32, so the stored numbers are the correctly rounded answers for
the stored inputs. Inputs avoid kinks (relu/abs at 0, clamp bounds, ties in max/min and max
pooling) by construction, so the gradients are unambiguous.

Integer parameters are int64 attributes (scalars or 1-D arrays), real ones float64, names and
modes strings. Padding tuples are (left, right, top, bottom) as in F.pad.
"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "launch", "reference"))

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from i2i_reference.fixture_io import output_folder, versions  # noqa: E402

OUT = HERE
torch.set_grad_enabled(True)


def rng_for(name):
    """A generator seeded from the case name, so adding a case does not change the others."""
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.default_rng(seed)


# MARK: - Input makers (all return float32 arrays)

def normal(rng, shape, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(np.float32)


def uniform(rng, shape, lo, hi):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def away_from_zero(rng, shape, gap=0.1, scale=1.0):
    """Values with |v| >= gap: no element sits on the kink of relu/abs/prelu."""
    u = rng.standard_normal(shape) * scale
    return (np.sign(u + (u == 0)) * (gap + np.abs(u))).astype(np.float32)


def distinct(rng, shape, gap=0.05):
    """A random permutation of an evenly spaced grid: no ties anywhere, neighbours >= gap apart."""
    n = int(np.prod(shape))
    grid = (np.arange(n) - n / 2) * gap
    return rng.permutation(grid).reshape(shape).astype(np.float32)


def class_ids(rng, shape, classes):
    return rng.integers(0, classes, shape).astype(np.float32)


# MARK: - Writing cases

class FixtureFile:
    def __init__(self, name):
        self.name = name
        self.cases = []

    def case(self, name, op, inputs, fn, grad=None, attrs=None):
        """Adds case `name`: `inputs` maps input names to float32 arrays, `fn(**tensors)`
        computes the output from float64 tensors, `grad` names the differentiable inputs
        (default: all), `attrs` holds the op's parameters."""
        assert all(c[0] != name for c in self.cases), f"duplicate case {name}"
        grad = list(inputs) if grad is None else grad
        tensors = {k: torch.tensor(v.astype(np.float64), requires_grad=k in grad) for k, v in inputs.items()}
        out = fn(**tensors)
        r = normal(rng_for(name + "/R"), tuple(out.shape))
        grads = {}
        if grad:
            (out * torch.tensor(r.astype(np.float64))).sum().backward()
            grads = {k: tensors[k].grad.numpy() for k in grad}
        self.cases.append((name, op, inputs, out.detach().numpy(), r, grads, attrs or {}))

    def write(self):
        path = os.path.join(OUT, self.name + ".h5")
        # v108 groups (links in the object header) and compact datasets keep the files small;
        # the v110 upper bound keeps them readable by the HDF5 1.10 that the Swift side links.
        with h5py.File(path, "w", libver=("v108", "v110")) as f:
            f.attrs["generator"] = "Tests/TensorCoreTests/Fixtures/make_fixtures.py"
            f.attrs["torch_version"] = str(torch.__version__)
            for name, op, inputs, out, r, grads, attrs in self.cases:
                g = untimed_group(f, name)
                g.attrs["op"] = op
                for k, v in attrs.items():
                    if isinstance(v, str):
                        g.attrs[k] = v
                    elif isinstance(v, (bool, int, np.integer)):
                        g.attrs[k] = np.int64(v)
                    elif isinstance(v, float):
                        g.attrs[k] = np.float64(v)
                    else:
                        g.attrs[k] = np.asarray(v, dtype=np.int64)
                for k, v in inputs.items():
                    write_dataset(g, "inputs/" + k, v)
                write_dataset(g, "R", r)
                write_dataset(g, "output", out)
                for k, v in grads.items():
                    write_dataset(g, "grads/" + k, v)
        print(f"{path}: {len(self.cases)} cases, {os.path.getsize(path)} bytes")


def untimed_group(parent, name):
    """A group without modification times, so that regenerating gives identical bytes."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def write_dataset(group, path, array):
    """A float32 dataset; small ones use the compact layout (data inside the object header)."""
    array = np.array(array, dtype=np.float32, order="C")  # (ascontiguousarray turns 0-d into 1-d)
    parent, _, name = path.rpartition("/")
    target = (group[parent] if parent in group else untimed_group(group, parent)) if parent else group
    if array.nbytes > 12000:
        target.create_dataset(name, data=array, track_times=False)
        return
    space = h5py.h5s.create_simple(array.shape) if array.ndim else h5py.h5s.create(h5py.h5s.SCALAR)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    dcpl.set_obj_track_times(False)
    ds = h5py.h5d.create(target.id, name.encode(), h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, array)


# MARK: - Elementwise: binary with broadcasting, scalar arithmetic, unary functions, activations

def elementwise():
    f = FixtureFile("elementwise")
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    shapes = {
        "same": ((3, 5), (3, 5)),
        "row": ((2, 3, 5), (5,)),            # b stretched over the leading dims
        "col": ((4, 1), (1, 3)),             # both stretched
        "lead": ((3, 1, 2), (4, 1)),         # b gains a leading dim and stretches on dim 1
        "chan": ((2, 3, 4, 5), (3, 1, 1)),   # per-channel, as a bias
        "rank0": ((3, 4), ()),               # a 0-d right-hand side
        "rank0_left": ((), (2, 3)),          # a 0-d left-hand side
    }
    for op, fn in binary.items():
        for kind, (sa, sb) in shapes.items():
            name = f"{op}_{kind}"
            rng = rng_for(name)
            a = normal(rng, sa)
            b = uniform(rng, sb, 0.5, 2.0) * np.where(rng.random(sb) < 0.5, -1, 1).astype(np.float32) \
                if op == "div" else normal(rng, sb)
            f.case(name, op, {"a": a, "b": np.asarray(b, dtype=np.float32)}, lambda a, b, fn=fn: fn(a, b))

    def x35(name, maker=normal, shape=(2, 3, 5), **kw):
        return {"x": maker(rng_for(name), shape, **kw)}

    # Scalar arithmetic.
    f.case("neg", "neg", x35("neg"), lambda x: -x)
    f.case("add_scalar", "add_scalar", x35("add_scalar"), lambda x: x + 2.5, attrs={"scalar": 2.5})
    f.case("sub_scalar", "sub_scalar", x35("sub_scalar"), lambda x: x - 0.75, attrs={"scalar": 0.75})
    f.case("mul_scalar", "mul_scalar", x35("mul_scalar"), lambda x: x * -1.5, attrs={"scalar": -1.5})
    f.case("div_scalar", "div_scalar", x35("div_scalar"), lambda x: x / 4.0, attrs={"scalar": 4.0})
    f.case("rsub_scalar", "rsub_scalar", x35("rsub_scalar"), lambda x: 3.0 - x, attrs={"scalar": 3.0})
    f.case("rdiv_scalar", "rdiv_scalar", x35("rdiv_scalar", away_from_zero, gap=0.5),
           lambda x: 2.0 / x, attrs={"scalar": 2.0})

    # Unary functions.
    f.case("exp", "exp", x35("exp"), torch.exp)
    f.case("log", "log", x35("log", uniform, lo=0.1, hi=5.0), torch.log)
    f.case("sqrt", "sqrt", x35("sqrt", uniform, lo=0.1, hi=5.0), torch.sqrt)
    f.case("pow_2", "pow", x35("pow_2"), lambda x: x ** 2, attrs={"exponent": 2.0})
    f.case("pow_3", "pow", x35("pow_3"), lambda x: x ** 3, attrs={"exponent": 3.0})
    f.case("pow_half", "pow", x35("pow_half", uniform, lo=0.1, hi=4.0), lambda x: x ** 0.5, attrs={"exponent": 0.5})
    f.case("pow_neg", "pow", x35("pow_neg", uniform, lo=0.5, hi=3.0), lambda x: x ** -1.5, attrs={"exponent": -1.5})
    f.case("pow_0", "pow", x35("pow_0"), lambda x: x ** 0.0, attrs={"exponent": 0.0})
    f.case("abs", "abs", x35("abs", away_from_zero), torch.abs)
    clampx = lambda name: {"x": (distinct(rng_for(name), (2, 3, 5), gap=0.06) + np.float32(0.03))}
    f.case("clamp_both", "clamp", clampx("clamp_both"), lambda x: x.clamp(-0.5, 0.8), attrs={"min": -0.5, "max": 0.8})
    f.case("clamp_min", "clamp", clampx("clamp_min"), lambda x: x.clamp(min=0.2), attrs={"min": 0.2})
    f.case("clamp_max", "clamp", clampx("clamp_max"), lambda x: x.clamp(max=-0.1), attrs={"max": -0.1})

    # Activations.
    f.case("relu", "relu", x35("relu", away_from_zero), torch.relu)
    f.case("leaky_relu_0.2", "leaky_relu", x35("leaky_relu_0.2", away_from_zero),
           lambda x: F.leaky_relu(x, 0.2), attrs={"slope": 0.2})
    f.case("leaky_relu_default", "leaky_relu", x35("leaky_relu_default", away_from_zero),
           lambda x: F.leaky_relu(x), attrs={"slope": 0.01})
    rng = rng_for("prelu_shared")
    f.case("prelu_shared", "prelu", {"x": away_from_zero(rng, (2, 3, 4, 5)), "w": np.array([0.25], np.float32)},
           lambda x, w: F.prelu(x, w))
    rng = rng_for("prelu_channel")
    f.case("prelu_channel", "prelu", {"x": away_from_zero(rng, (2, 3, 4, 5)), "w": uniform(rng, (3,), -0.5, 0.5)},
           lambda x, w: F.prelu(x, w))
    rng = rng_for("prelu_2d")
    f.case("prelu_2d", "prelu", {"x": away_from_zero(rng, (4, 3)), "w": uniform(rng, (3,), 0.0, 0.5)},
           lambda x, w: F.prelu(x, w))
    f.case("sigmoid", "sigmoid", x35("sigmoid", scale=3.0), torch.sigmoid)
    f.case("sigmoid_large", "sigmoid", x35("sigmoid_large", shape=(4, 6), scale=40.0), torch.sigmoid)
    f.case("tanh", "tanh", x35("tanh", scale=2.0), torch.tanh)

    # Exactly on the kinks, where PyTorch defines a one-sided convention (zero-padded or
    # ReLU'd feature maps hit them): relu'(0) = 0, leaky'(0) = slope, prelu'(0) = a (x > 0
    # takes the identity branch), |x|'(0) = 0, clamp passes no gradient on its bounds, and
    # ∂x⁰/∂x = 0 even at x = 0.
    def with_zeros(name, shape=(2, 3, 4)):
        x = away_from_zero(rng_for(name), shape)
        x.flat[::3] = 0.0
        return x
    f.case("relu_zeros", "relu", {"x": with_zeros("relu_zeros")}, torch.relu)
    f.case("leaky_relu_zeros", "leaky_relu", {"x": with_zeros("leaky_relu_zeros")},
           lambda x: F.leaky_relu(x, 0.2), attrs={"slope": 0.2})
    f.case("prelu_zeros", "prelu", {"x": with_zeros("prelu_zeros", (2, 3, 2, 2)),
                                    "w": np.array([0.1, 0.2, 0.3], np.float32)}, lambda x, w: F.prelu(x, w))
    f.case("abs_zeros", "abs", {"x": with_zeros("abs_zeros")}, torch.abs)
    f.case("clamp_on_bounds", "clamp", {"x": np.array([-1.0, -0.5, 0.0, 0.75, 1.0, 0.75, -0.5, 0.3], np.float32)},
           lambda x: x.clamp(-0.5, 0.75), attrs={"min": -0.5, "max": 0.75})
    f.case("clamp_min_on_bound", "clamp", {"x": np.array([-1.0, -0.5, 0.0, 0.75], np.float32)},
           lambda x: x.clamp(min=-0.5), attrs={"min": -0.5})
    f.case("pow_0_zeros", "pow", {"x": with_zeros("pow_0_zeros")}, lambda x: x ** 0.0, attrs={"exponent": 0.0})
    f.write()


# MARK: - Softmax, reductions, matmul

def reductions():
    f = FixtureFile("reduce")
    for dim in (0, 1, -1):
        name = f"softmax_dim{dim}"
        f.case(name, "softmax", {"x": normal(rng_for(name), (2, 3, 5), scale=2.0)},
               lambda x, dim=dim: torch.softmax(x, dim), attrs={"dim": dim})
        name = f"log_softmax_dim{dim}"
        f.case(name, "log_softmax", {"x": normal(rng_for(name), (2, 3, 5), scale=2.0)},
               lambda x, dim=dim: torch.log_softmax(x, dim), attrs={"dim": dim})
    # Large logits: only a max-subtracting implementation survives in float32.
    f.case("softmax_large", "softmax", {"x": normal(rng_for("softmax_large"), (3, 4), scale=60.0, shift=80.0)},
           lambda x: torch.softmax(x, 1), attrs={"dim": 1})
    f.case("log_softmax_large", "log_softmax", {"x": normal(rng_for("log_softmax_large"), (3, 4), scale=60.0, shift=-80.0)},
           lambda x: torch.log_softmax(x, 1), attrs={"dim": 1})

    shape = (2, 3, 2, 5)
    variants = [("all", None, False), ("d1", [1], False), ("dm1_keep", [-1], True),
                ("d02", [0, 2], False), ("d23_keep", [2, 3], True)]
    reducers = {
        "sum": lambda x, d, k: x.sum() if d is None else x.sum(d, keepdim=k),
        "mean": lambda x, d, k: x.mean() if d is None else x.mean(d, keepdim=k),
        "max": lambda x, d, k: x.amax() if d is None else x.amax(d, keepdim=k),
        "min": lambda x, d, k: x.amin() if d is None else x.amin(d, keepdim=k),
        "var_biased": lambda x, d, k: x.var(correction=0) if d is None else x.var(d, correction=0, keepdim=k),
        "var_unbiased": lambda x, d, k: x.var() if d is None else x.var(d, keepdim=k),
    }
    for op, fn in reducers.items():
        for vname, dims, keep in variants:
            name = f"{op}_{vname}"
            x = distinct(rng_for(name), shape) if op in ("max", "min") else normal(rng_for(name), shape)
            attrs = {"keepdim": keep}
            if dims is not None:
                attrs["dims"] = dims
            if op.startswith("var"):
                attrs["unbiased"] = op == "var_unbiased"
            f.case(name, "var" if op.startswith("var") else op, {"x": x},
                   lambda x, fn=fn, d=dims, k=keep: fn(x, d, k), attrs=attrs)
    # Ties: amax/amin share the gradient equally among tied extremes.
    ties = np.array([[3, 1, 3, 2], [0, 0, -1, 0], [5, 5, 5, 5]], np.float32)
    f.case("max_ties_d1", "max", {"x": ties}, lambda x: x.amax(1), attrs={"dims": [1], "keepdim": False})
    f.case("max_ties_all", "max", {"x": ties}, lambda x: x.amax(), attrs={"keepdim": False})
    f.case("min_ties_d0", "min", {"x": ties}, lambda x: x.amin(0, keepdim=True), attrs={"dims": [0], "keepdim": True})
    # A variance whose mean is far from zero: a one-pass E[x²] − E[x]² would cancel.
    f.case("var_offset", "var", {"x": normal(rng_for("var_offset"), (3, 40), shift=300.0)},
           lambda x: x.var(1), attrs={"dims": [1], "keepdim": False, "unbiased": True})
    f.write()


def matmuls():
    f = FixtureFile("matmul")
    for name, sa, sb in [("mm", (3, 4), (4, 5)), ("mm_vec", (1, 7), (7, 1)), ("mm_odd", (5, 3), (3, 9)),
                         ("bmm", (2, 3, 4), (2, 4, 5)), ("bmm_shared", (3, 2, 4), (4, 3))]:
        rng = rng_for(name)
        f.case(name, "matmul", {"a": normal(rng, sa), "b": normal(rng, sb)},
               lambda a, b: torch.matmul(a, b))
    for name, n, i, o, bias in [("linear", 3, 4, 5, True), ("linear_nobias", 2, 6, 3, False)]:
        rng = rng_for(name)
        inputs = {"x": normal(rng, (n, i)), "w": normal(rng, (o, i))}
        if bias:
            inputs["b"] = normal(rng, (o,))
        f.case(name, "linear", inputs, lambda x, w, b=None: F.linear(x, w, b))
    f.write()


# MARK: - Shape ops and padding

def shape_ops():
    f = FixtureFile("shape")
    x = lambda name, s=(2, 3, 4, 5): {"x": normal(rng_for(name), s)}
    f.case("reshape", "reshape", x("reshape", (2, 3, 4)), lambda x: x.reshape(4, -1), attrs={"shape": [4, -1]})
    f.case("permute_0231", "permute", x("permute_0231"), lambda x: x.permute(0, 2, 3, 1), attrs={"order": [0, 2, 3, 1]})
    f.case("permute_3102", "permute", x("permute_3102"), lambda x: x.permute(3, 1, 0, 2), attrs={"order": [3, 1, 0, 2]})
    f.case("transpose_last", "transpose", x("transpose_last", (3, 4, 5)), lambda x: x.transpose(-2, -1), attrs={"dims": [-2, -1]})
    f.case("transpose_02", "transpose", x("transpose_02", (3, 4, 5)), lambda x: x.transpose(0, 2), attrs={"dims": [0, 2]})
    for dim, shapes in [(0, [(1, 3, 4), (2, 3, 4), (3, 3, 4)]), (1, [(2, 1, 3), (2, 4, 3), (2, 2, 3)]),
                        (-1, [(2, 3, 2), (2, 3, 1), (2, 3, 5)])]:
        name = f"concat_dim{dim}"
        rng = rng_for(name)
        inputs = {f"t{i}": normal(rng, s) for i, s in enumerate(shapes)}
        f.case(name, "concat", inputs, lambda t0, t1, t2, dim=dim: torch.cat([t0, t1, t2], dim), attrs={"dim": dim})
    name = "stack_dim1"
    rng = rng_for(name)
    f.case(name, "stack", {f"t{i}": normal(rng, (2, 3)) for i in range(3)},
           lambda t0, t1, t2: torch.stack([t0, t1, t2], 1), attrs={"dim": 1})
    f.case("slice_dim1", "slice", x("slice_dim1"), lambda x: x[:, 1:3], attrs={"dim": 1, "start": 1, "end": 3})
    f.case("slice_dim0", "slice", x("slice_dim0"), lambda x: x[1:2], attrs={"dim": 0, "start": 1, "end": 2})
    f.case("slice_last", "slice", x("slice_last"), lambda x: x[..., 2:5], attrs={"dim": -1, "start": 2, "end": 5})
    f.case("expand_lead", "expand", x("expand_lead", (3, 1)), lambda x: x.expand(2, 3, 4), attrs={"shape": [2, 3, 4]})
    f.case("expand_row", "expand", x("expand_row", (1, 4)), lambda x: x.expand(3, 4), attrs={"shape": [3, 4]})
    f.case("expand_mid", "expand", x("expand_mid", (2, 1, 3)), lambda x: x.expand(2, 5, 3), attrs={"shape": [2, 5, 3]})
    f.write()


def padding():
    f = FixtureFile("pad")
    amounts = {"p1": (1, 1, 1, 1), "asym": (2, 0, 1, 3), "left": (3, 0, 0, 0), "bottom": (0, 0, 0, 2)}
    modes = {"zero": "constant", "reflect": "reflect", "replicate": "replicate"}
    for mode, tmode in modes.items():
        for aname, p in amounts.items():
            name = f"pad_{mode}_{aname}"
            f.case(name, "pad", {"x": normal(rng_for(name), (1, 2, 5, 6))},
                   lambda x, p=p, m=tmode: F.pad(x, p, mode=m), attrs={"padding": list(p), "mode": mode})
    # Reflection up to its limit (pad = size − 1) on an odd plane, and on a 3-D input.
    f.case("pad_reflect_max", "pad", {"x": normal(rng_for("pad_reflect_max"), (1, 2, 3, 4))},
           lambda x: F.pad(x, (3, 3, 2, 2), mode="reflect"), attrs={"padding": [3, 3, 2, 2], "mode": "reflect"})
    f.case("pad_replicate_3d", "pad", {"x": normal(rng_for("pad_replicate_3d"), (3, 4, 5))},
           lambda x: F.pad(x, (2, 1, 0, 3), mode="replicate"), attrs={"padding": [2, 1, 0, 3], "mode": "replicate"})
    f.write()


# MARK: - Convolutions

def conv():
    f = FixtureFile("conv")

    def conv_case(name, n, c, co, hw, k, stride=(1, 1), pad=(0, 0, 0, 0), bias=True):
        rng = rng_for(name)
        kh, kw = k if isinstance(k, tuple) else (k, k)
        inputs = {"x": normal(rng, (n, c) + hw), "w": normal(rng, (co, c, kh, kw), scale=0.3)}
        if bias:
            inputs["b"] = normal(rng, (co,))

        def fn(x, w, b=None):
            l, r, t, btm = pad
            return F.conv2d(F.pad(x, (l, r, t, btm)), w, b, stride=stride)
        f.case(name, "conv2d", inputs, fn, attrs={"stride": list(stride), "padding": list(pad)})

    # Fewer than 16 output channels: transposed-GEMM forward; at stride 1 the flipped backward.
    conv_case("conv2d_co4_k3_s1_p1", 2, 3, 4, (5, 6), 3, pad=(1, 1, 1, 1))
    conv_case("conv2d_co3_k7_s1_p0_nobias", 1, 2, 3, (8, 9), 7, bias=False)
    conv_case("conv2d_co3_k3_s1_asym", 2, 4, 3, (5, 6), 3, pad=(0, 1, 1, 0))
    conv_case("conv2d_co4_k3_s2_p1", 2, 3, 4, (7, 8), 3, stride=(2, 2), pad=(1, 1, 1, 1))
    conv_case("conv2d_co2_k4_s2_asym", 1, 3, 2, (6, 7), 4, stride=(2, 2), pad=(1, 2, 0, 1))
    conv_case("conv2d_co4_k1", 2, 5, 4, (4, 5), 1)
    conv_case("conv2d_co4_k1_p1", 1, 3, 4, (3, 4), 1, pad=(1, 1, 1, 1))       # padding wider than the kernel
    conv_case("conv2d_co1_k3_s1_p2", 2, 3, 1, (4, 5), 3, pad=(2, 2, 2, 2))    # padding = kernel − 1
    conv_case("conv2d_co5_k3x1_s2x1", 1, 4, 5, (7, 6), (3, 1), stride=(2, 1), pad=(0, 0, 1, 1))
    # 16 or more output channels: the usual W · im2col orientation.
    conv_case("conv2d_co16_k3_s1_p1", 2, 2, 16, (4, 5), 3, pad=(1, 1, 1, 1))
    conv_case("conv2d_co16_k3_s2_p1_odd", 2, 2, 16, (5, 7), 3, stride=(2, 2), pad=(1, 1, 1, 1))
    conv_case("conv2d_co17_k4_s2_asym", 1, 2, 17, (6, 6), 4, stride=(2, 2), pad=(0, 1, 0, 1), bias=False)
    conv_case("conv2d_co20_k4_s1_p1", 1, 2, 20, (4, 5), 4, pad=(1, 1, 1, 1))
    conv_case("conv2d_co16_k1", 2, 3, 16, (3, 5), 1)                            # pointwise: no im2col
    conv_case("conv2d_co16_k1_s2", 1, 4, 16, (5, 5), 1, stride=(2, 2), bias=False)
    conv_case("conv2d_co16_k7_s1_p3", 1, 1, 16, (5, 6), 7, pad=(3, 3, 3, 3))
    conv_case("conv2d_co18_k3x2_s1x2", 1, 2, 18, (5, 7), (3, 2), stride=(1, 2), pad=(1, 0, 2, 1))

    def convt_case(name, n, c, co, hw, k, stride, pad, opad, bias=True):
        rng = rng_for(name)
        kh, kw = k if isinstance(k, tuple) else (k, k)
        inputs = {"x": normal(rng, (n, c) + hw), "w": normal(rng, (c, co, kh, kw), scale=0.3)}
        if bias:
            inputs["b"] = normal(rng, (co,))
        f.case(name, "conv_transpose2d", inputs,
               lambda x, w, b=None: F.conv_transpose2d(x, w, b, stride=stride, padding=pad, output_padding=opad),
               attrs={"stride": list(stride), "padding": list(pad), "output_padding": list(opad)})

    convt_case("convt_k3_s2_p1_op1", 2, 4, 5, (3, 4), 3, (2, 2), (1, 1), (1, 1))   # CycleGAN upsampling
    convt_case("convt_k4_s2_p1", 1, 3, 4, (4, 3), 4, (2, 2), (1, 1), (0, 0), bias=False)  # pix2pix
    convt_case("convt_k3_s1_p1", 2, 3, 2, (4, 5), 3, (1, 1), (1, 1), (0, 0))
    convt_case("convt_k3_s2_p0", 1, 2, 3, (3, 3), 3, (2, 2), (0, 0), (0, 0))
    convt_case("convt_k3_s2_p0_op1", 1, 2, 3, (3, 2), 3, (2, 2), (0, 0), (1, 1))
    convt_case("convt_k2_s2", 2, 2, 17, (3, 3), 2, (2, 2), (0, 0), (0, 0))
    convt_case("convt_k3x2_s2x1_p1x0", 1, 3, 4, (4, 3), (3, 2), (2, 1), (1, 0), (1, 0))
    convt_case("convt_k5_s3_p2_op2", 1, 2, 3, (3, 3), 5, (3, 3), (2, 2), (2, 2))
    f.write()


# MARK: - Pooling, resampling, unfold

def pooling():
    f = FixtureFile("pool")
    for name, k, s, p, inc, hw in [("avg_k2_s2", 2, 2, 0, True, (6, 8)), ("avg_k3_s2_p1", 3, 2, 1, True, (7, 6)),
                                   ("avg_k3_s2_p1_excl", 3, 2, 1, False, (7, 6)), ("avg_k3_s1_p1_excl", 3, 1, 1, False, (5, 5)),
                                   ("avg_k3_s3_odd", 3, 3, 0, True, (7, 8)), ("avg_k2_s1", 2, 1, 0, True, (4, 5))]:
        f.case(name, "avg_pool2d", {"x": normal(rng_for(name), (2, 2) + hw)},
               lambda x, k=k, s=s, p=p, inc=inc: F.avg_pool2d(x, k, s, p, count_include_pad=inc),
               attrs={"kernel": k, "stride": s, "padding": p, "count_include_pad": inc})
    for name, k, s, p, hw in [("max_k2_s2", 2, 2, 0, (6, 8)), ("max_k3_s2_p1", 3, 2, 1, (7, 6)),
                              ("max_k3_s1_p1", 3, 1, 1, (5, 5)), ("max_k2_s1_odd", 2, 1, 0, (3, 5))]:
        # Distinct values, spaced apart, so every window has one clear maximum.
        f.case(name, "max_pool2d", {"x": distinct(rng_for(name), (2, 2) + hw)},
               lambda x, k=k, s=s, p=p: F.max_pool2d(x, k, s, p), attrs={"kernel": k, "stride": s, "padding": p})
    # Ties (a zero-padded or ReLU'd map): PyTorch sends each window's gradient to the first
    # maximum in row-major order.
    ties = np.zeros((1, 2, 4, 5), np.float32)
    ties[0, 1, 1:3, 1:4] = 1.0
    ties[0, 0, 0, 0] = -1.0
    f.case("max_ties_k2_s1", "max_pool2d", {"x": ties}, lambda x: F.max_pool2d(x, 2, 1, 0),
           attrs={"kernel": 2, "stride": 1, "padding": 0})
    f.case("max_ties_k3_s2_p1", "max_pool2d", {"x": ties}, lambda x: F.max_pool2d(x, 3, 2, 1),
           attrs={"kernel": 3, "stride": 2, "padding": 1})
    f.case("global_avg", "global_avg_pool2d", {"x": normal(rng_for("global_avg"), (2, 3, 4, 5))},
           lambda x: F.adaptive_avg_pool2d(x, 1))
    f.case("global_max", "global_max_pool2d", {"x": distinct(rng_for("global_max"), (2, 3, 4, 5))},
           lambda x: F.adaptive_max_pool2d(x, 1))
    for name, fy, fx, hw in [("upsample_x2", 2, 2, (3, 4)), ("upsample_x3", 3, 3, (2, 3)), ("upsample_2x1", 2, 1, (3, 3))]:
        f.case(name, "upsample_nearest", {"x": normal(rng_for(name), (2, 3) + hw)},
               lambda x, fy=fy, fx=fx: F.interpolate(x, scale_factor=(fy, fx), mode="nearest"),
               attrs={"factor": [fy, fx]})
    for name, hw, size in [("resize_up", (3, 4), (7, 5)), ("resize_down", (7, 6), (3, 4)), ("resize_mixed", (4, 4), (6, 3))]:
        f.case(name, "resize_nearest", {"x": normal(rng_for(name), (1, 2) + hw)},
               lambda x, size=size: F.interpolate(x, size=size, mode="nearest"), attrs={"size": list(size)})
    for name, k, p, s, hw in [("unfold_k3_p1", 3, 1, 1, (4, 5)), ("unfold_k2_s2", 2, 0, 2, (5, 6)),
                              ("unfold_k3_p0", 3, 0, 1, (4, 4))]:
        f.case(name, "unfold", {"x": normal(rng_for(name), (2, 3) + hw)},
               lambda x, k=k, p=p, s=s: F.unfold(x, k, padding=p, stride=s),
               attrs={"kernel": k, "padding": p, "stride": s})
    f.write()


# MARK: - Instance norm, indexing

def norm_and_index():
    f = FixtureFile("norm")

    def inorm(name, shape, affine, eps=1e-5, shift=0.0, weight_only=False):
        rng = rng_for(name)
        c = shape[1]
        inputs = {"x": normal(rng, shape, scale=2.0, shift=shift)}
        if affine:
            inputs["w"] = normal(rng, (c,), shift=1.0)
            if not weight_only:
                inputs["b"] = normal(rng, (c,))
        f.case(name, "instance_norm", inputs,
               lambda x, w=None, b=None: F.instance_norm(x, weight=w, bias=b, eps=eps), attrs={"eps": eps})

    inorm("inorm_plain", (2, 3, 4, 5), False)
    inorm("inorm_affine", (2, 3, 5, 7), True)
    inorm("inorm_eps1e-3", (1, 4, 3, 3), True, eps=1e-3)
    inorm("inorm_offset", (2, 2, 6, 6), True, shift=50.0)
    inorm("inorm_1d", (2, 3, 9), False)
    inorm("inorm_weight_only", (2, 3, 4, 4), True, weight_only=True)
    f.write()

    f = FixtureFile("index")
    ids = class_ids(rng_for("one_hot"), (2, 3, 4), 5)
    f.case("one_hot", "one_hot", {"ids": ids},
           lambda ids: F.one_hot(ids.long(), 5).permute(0, 3, 1, 2).double(), grad=[], attrs={"classes": 5})
    for name, dim, xs, ishape in [("gather_dim1", 1, (2, 5, 3), (2, 7, 3)), ("gather_dim0", 0, (4, 3), (6, 3)),
                                  ("gather_last", -1, (2, 3, 4), (2, 3, 2))]:
        rng = rng_for(name)
        x = normal(rng, xs)
        index = rng.integers(0, xs[dim], ishape).astype(np.float32)
        f.case(name, "gather", {"x": x, "index": index},
               lambda x, index, dim=dim: torch.gather(x, dim, index.long()), grad=["x"], attrs={"dim": dim})
    f.write()


# MARK: - Losses

def losses():
    f = FixtureFile("loss")
    shape = (2, 3, 4, 4)
    rng = rng_for("mse")
    f.case("mse", "mse", {"x": normal(rng, shape), "target": normal(rng, shape)}, lambda x, target: F.mse_loss(x, target))
    rng = rng_for("mse_bcast")
    f.case("mse_bcast", "mse", {"x": normal(rng, shape), "target": normal(rng, (3, 1, 1))},
           lambda x, target: ((x - target) ** 2).mean())
    f.case("mse_const", "mse_const", {"x": normal(rng_for("mse_const"), (2, 1, 5, 5))},
           lambda x: F.mse_loss(x, torch.ones_like(x)), attrs={"target": 1.0})
    rng = rng_for("l1")
    x = normal(rng, shape)
    t = (x + away_from_zero(rng, shape, gap=0.05)).astype(np.float32)   # no |x − t| at 0
    f.case("l1", "l1", {"x": x, "target": t}, lambda x, target: F.l1_loss(x, target))
    for name, scale in [("bce", 2.0), ("bce_large", 60.0)]:
        rng = rng_for(name)
        x = normal(rng, shape, scale=scale)
        if name == "bce_large":
            x.flat[:4] = [100.0, -100.0, 30.0, -30.0]
        t = uniform(rng, shape, 0.0, 1.0)
        f.case(name, "bce_with_logits", {"x": x, "target": t}, lambda x, target: F.binary_cross_entropy_with_logits(x, target))
    for name, c in [("bce_const1", 1.0), ("bce_const0", 0.0)]:
        x = normal(rng_for(name), (2, 1, 5, 5), scale=20.0)
        f.case(name, "bce_with_logits_const", {"x": x},
               lambda x, c=c: F.binary_cross_entropy_with_logits(x, torch.full_like(x, c)), attrs={"target": c})

    def nll(logp, target, weight=None):
        picked = -logp.gather(1, target.long().unsqueeze(1)).squeeze(1)
        if weight is None:
            return picked.mean()
        return (weight * picked).sum() / weight.sum()

    rng = rng_for("nll_weighted")
    lp = torch.log_softmax(torch.tensor(normal(rng, (2, 4, 3, 5))), 1).numpy().astype(np.float32)
    f.case("nll_weighted", "nll", {"logp": lp, "target": class_ids(rng, (2, 3, 5), 4),
                                   "weight": uniform(rng, (2, 3, 5), 0.0, 2.0)}, nll, grad=["logp"])
    rng = rng_for("nll_plain")
    lp = torch.log_softmax(torch.tensor(normal(rng, (3, 5, 2, 2))), 1).numpy().astype(np.float32)
    f.case("nll_plain", "nll", {"logp": lp, "target": class_ids(rng, (3, 2, 2), 5)}, nll, grad=["logp"])
    rng = rng_for("nll_rank2")
    lp = torch.log_softmax(torch.tensor(normal(rng, (6, 4))), 1).numpy().astype(np.float32)
    f.case("nll_rank2", "nll", {"logp": lp, "target": class_ids(rng, (6,), 4)}, nll, grad=["logp"])

    # Hinge terms; inputs kept away from the kinks at ±1.
    hx = lambda name: {"x": (distinct(rng_for(name), (2, 1, 4, 4), gap=0.1) + np.float32(0.05))}
    f.case("hinge_real", "hinge_real", hx("hinge_real"), lambda x: torch.relu(1 - x).mean())
    f.case("hinge_fake", "hinge_fake", hx("hinge_fake"), lambda x: torch.relu(1 + x).mean())
    f.case("hinge_gen", "hinge_gen", hx("hinge_gen"), lambda x: -x.mean())
    f.write()


if __name__ == "__main__":
    OUT = output_folder(HERE, "Writes the TensorCoreTests fixtures.")
    print(versions())
    elementwise()
    reductions()
    matmuls()
    shape_ops()
    padding()
    conv()
    pooling()
    norm_and_index()
    losses()
