#!/usr/bin/env python3
"""Self-test of launch/convert-weights on the committed ModelsTests fixtures (a few seconds):

    python3 launch/reference/test_convert_weights.py

- MUNIT and MUNIT with self-attention (munit*_gen.pt, munit*_dis.pt), U-GAT-IT (ugatit_params.pt),
  UNIT master (unit_gen.pt, unit_dis.pt), paper (unit_paper_gen.pkl, unit_paper_dis.pkl) and
  CycleGAN (cyclegan.h5's networks, exported first as official files) and CoCosNet (cocosnet.h5's
  netG, netCorr, netD, saved first as microsoft/CoCosNet util.save_network does): official → i2i → official
  reproduces every state dict bit for bit and in the official key order; the i2i file equals the
  fixture's /networks (the same initial weights); the converted-back dicts load into the
  i2i_reference networks with load_state_dict(strict=True);
- from-i2i names the files by the checkpoint's step;
- a missing file, wrong keys, a shape that differs, an integer tensor, an existing output without
  --overwrite, and the wrong model's file are each refused with one line on stderr and status 2.
The official formats are those of mingyuliutw/UNIT master trainer.py (UNIT_Trainer.save),
version_02 src/trainers/cocogan_trainer.py (COCOGANTrainer.save) and
junyanz/pytorch-CycleGAN-and-pix2pix models/base_model.py (save_networks), microsoft/CoCosNet
util/util.py (save_network: torch.save(net.state_dict()) as <epoch>_net_<G|Corr|D>.pth).
"""
import contextlib
import importlib.machinery
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import unittest
from collections import OrderedDict

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
SCRIPT = os.path.join(ROOT, "launch", "convert-weights")
FIXTURES = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
sys.path.insert(0, HERE)

from i2i_reference.cyclegan_networks import NLayerDiscriminator, ResnetGenerator  # noqa: E402
from i2i_reference.unit_networks import COCODis, COCOResGen, MsImageDis, VAEGen  # noqa: E402

_loader = importlib.machinery.SourceFileLoader("convert_weights", SCRIPT)
_spec = importlib.util.spec_from_loader("convert_weights", _loader)
convert = importlib.util.module_from_spec(_spec)
_loader.exec_module(convert)


def run(*argv):
    """(status, stderr) of convert-weights' main in this process."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = convert.main(list(argv))
        except SystemExit as e:
            status = e.code
    return status, err.getvalue()


def load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


class ConvertWeightsTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def assertSameState(self, a, b, what):
        self.assertEqual(list(a), list(b), f"{what}: keys or their order differ")
        for k in a:
            self.assertEqual(a[k].dtype, torch.float32, f"{what} {k}")
            self.assertTrue(torch.equal(a[k], b[k]), f"{what}: {k} differs")

    def assertNetworksEqualFixture(self, h5, fixture):
        with h5py.File(h5, "r") as f, h5py.File(os.path.join(FIXTURES, fixture), "r") as g:
            self.assertEqual(sorted(f["networks"]), sorted(g["networks"]))
            for net in g["networks"]:
                self.assertEqual(sorted(f["networks"][net]), sorted(g["networks"][net]))
                for k, d in g["networks"][net].items():
                    got = f["networks"][net][k]
                    self.assertEqual(got.dtype, np.float32)
                    self.assertEqual(got[()].tobytes(), d[()].tobytes(), f"{net}/{k}")

    def assertRefused(self, argv, fragment):
        status, err = run(*argv)
        self.assertEqual(status, 2, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(fragment, err)

    def test_unit_master_round_trip(self):
        gen, dis = os.path.join(FIXTURES, "unit_gen.pt"), os.path.join(FIXTURES, "unit_dis.pt")
        h5 = self.path("unit.h5")
        self.assertEqual(run("to-i2i", "--model", "unit", "--gen", gen, "--dis", dis, "--out", h5)[0], 0)
        self.assertNetworksEqualFixture(h5, "unit.h5")
        self.assertEqual(run("from-i2i", "--model", "unit", h5, "--out-dir", self.path("back"))[0], 0)
        for name, original in (("gen_00000000.pt", gen), ("dis_00000000.pt", dis)):
            back, orig = load(self.path(f"back/{name}")), load(original)
            self.assertEqual(list(back), ["a", "b"])
            for domain in "ab":
                self.assertSameState(back[domain], orig[domain], f"{name} {domain}")
        gens, diss = load(self.path("back/gen_00000000.pt")), load(self.path("back/dis_00000000.pt"))
        for domain in "ab":
            VAEGen(dim=4, n_downsample=2, n_res=2).load_state_dict(gens[domain], strict=True)
            MsImageDis(dim=4, n_layer=3, num_scales=2).load_state_dict(diss[domain], strict=True)

    def test_munit_round_trip(self):
        """MUNIT and MUNIT with self-attention (munit_gen.pt / munit_sa_gen.pt …): the same
        {'a', 'b'} layout; the attention blocks are recognised from their keys."""
        from i2i_reference.munit_networks import AdaINGen
        for name, attention in (("munit", False), ("munit_sa", True)):
            gen, dis = os.path.join(FIXTURES, f"{name}_gen.pt"), os.path.join(FIXTURES, f"{name}_dis.pt")
            h5 = self.path(f"{name}.h5")
            self.assertEqual(run("to-i2i", "--model", "munit", "--gen", gen, "--dis", dis, "--out", h5)[0], 0)
            self.assertNetworksEqualFixture(h5, f"{name}.h5")
            back_dir = self.path(f"{name}-back")
            self.assertEqual(run("from-i2i", "--model", "munit", h5, "--out-dir", back_dir)[0], 0)
            for file, original in (("gen_00000000.pt", gen), ("dis_00000000.pt", dis)):
                back, orig = load(os.path.join(back_dir, file)), load(original)
                self.assertEqual(list(back), ["a", "b"])
                for domain in "ab":
                    self.assertSameState(back[domain], orig[domain], f"{name} {file} {domain}")
            gens, diss = load(os.path.join(back_dir, "gen_00000000.pt")), load(os.path.join(back_dir, "dis_00000000.pt"))
            for domain in "ab":
                AdaINGen(dim=4, style_dim=3, mlp_dim=8, n_downsample=2, n_res=2,
                         self_attention=attention).load_state_dict(gens[domain], strict=True)
                MsImageDis(dim=4, n_layer=3, num_scales=2, self_attention=attention).load_state_dict(diss[domain],
                                                                                                   strict=True)

    def test_unit_paper_round_trip(self):
        gen, dis = os.path.join(FIXTURES, "unit_paper_gen.pkl"), os.path.join(FIXTURES, "unit_paper_dis.pkl")
        h5 = self.path("paper.h5")
        self.assertEqual(run("to-i2i", "--model", "unit-paper", "--gen", gen, "--dis", dis, "--out", h5)[0], 0)
        self.assertNetworksEqualFixture(h5, "unit_paper.h5")
        out = self.path("back")
        self.assertEqual(run("from-i2i", "--model", "unit-paper", h5, "--out-dir", out, "--prefix", "cat2tiger")[0], 0)
        back_gen, back_dis = load(f"{out}/cat2tiger_gen_00000000.pkl"), load(f"{out}/cat2tiger_dis_00000000.pkl")
        self.assertSameState(back_gen, load(gen), "gen")
        self.assertSameState(back_dis, load(dis), "dis")
        COCOResGen(ch=4, n_enc_res_blk=1, n_gen_res_blk=1).load_state_dict(back_gen, strict=True)
        COCODis(ch=4, n_layer=3).load_state_dict(back_dis, strict=True)

    def test_ugatit_round_trip(self):
        """U-GAT-IT light (ugatit_params.pt, as UGATIT.save writes it): to i2i equals the golden
        fixture's networks bit for bit, and back to the official file equals the original; a
        full model's file (built here from the full fixture's networks) round-trips too."""
        params = os.path.join(FIXTURES, "ugatit_params.pt")
        h5 = self.path("ugatit.h5")
        self.assertEqual(run("to-i2i", "--model", "ugatit", "--params", params, "--out", h5)[0], 0)
        self.assertNetworksEqualFixture(h5, "ugatit_light.h5")
        self.assertEqual(run("from-i2i", "--model", "ugatit", h5, "--out-dir", self.path("back"),
                             "--prefix", "selfie2anime")[0], 0)
        back, original = load(self.path("back/selfie2anime_params_0000000.pt")), load(params)
        self.assertEqual(sorted(back), sorted(original))
        for net in original:
            self.assertEqual(sorted(back[net]), sorted(original[net]), net)
            for k in original[net]:
                self.assertTrue(torch.equal(back[net][k], original[net][k]), f"{net} {k}")
        with h5py.File(os.path.join(FIXTURES, "ugatit.h5"), "r") as f:
            full = {net: {k: torch.from_numpy(d[()]) for k, d in f["networks"][net].items()} for net in f["networks"]}
        torch.save(full, self.path("full_params_latest.pt"))
        self.assertEqual(run("to-i2i", "--model", "ugatit", "--params", self.path("full_params_latest.pt"),
                             "--out", self.path("full.h5"))[0], 0)
        self.assertNetworksEqualFixture(self.path("full.h5"), "ugatit.h5")
        del full["disLB"]
        torch.save(full, self.path("five.pt"))
        self.assertRefused(["to-i2i", "--model", "ugatit", "--params", self.path("five.pt"), "--out", self.path("x.h5")],
                           "expected {genA2B, genB2A, disGA, disGB, disLA, disLB}")
        self.assertRefused(["to-i2i", "--model", "ugatit", "--gen", params, "--out", self.path("x.h5")],
                           "--model ugatit reads --params")
        self.assertRefused(["to-i2i", "--model", "unit", "--params", params, "--out", self.path("x.h5")],
                           "--params is for --model ugatit")

    def test_cyclegan_round_trip(self):
        first = self.path("official")
        self.assertEqual(run("from-i2i", "--model", "cyclegan", os.path.join(FIXTURES, "cyclegan.h5"),
                             "--out-dir", first)[0], 0)
        h5 = self.path("cyclegan.h5")
        self.assertEqual(run("to-i2i", "--model", "cyclegan", "--checkpoint-dir", first, "--out", h5)[0], 0)
        self.assertNetworksEqualFixture(h5, "cyclegan.h5")
        second = self.path("again")
        self.assertEqual(run("from-i2i", "--model", "cyclegan", h5, "--out-dir", second, "--epoch", "7")[0], 0)
        for net in ("G_A", "G_B", "D_A", "D_B"):
            back = load(f"{second}/7_net_{net}.pth")
            self.assertSameState(back, load(f"{first}/latest_net_{net}.pth"), net)
            network = ResnetGenerator(ngf=4, n_blocks=2) if net[0] == "G" else NLayerDiscriminator(ndf=4)
            network.load_state_dict(back, strict=True)

    def test_cocosnet_round_trip(self):
        """CoCosNet at cocosnet.h5's tiny architecture, given as an i2i config: official files →
        i2i equals the fixture's networks bit for bit, back equals the originals; D is optional;
        the ADE20k default architecture, a bad config and a wrong file are refused."""
        from i2i_reference.cocosnet_networks import (CoCosNetConfig, MultiscaleDiscriminator, NoVGGCorrespondence,
                                                     SPADEGenerator)
        official = self.path("official")
        os.makedirs(official)
        builds = OrderedDict(netG=("G", SPADEGenerator), netCorr=("Corr", NoVGGCorrespondence),
                             netD=("D", MultiscaleDiscriminator))
        with h5py.File(os.path.join(FIXTURES, "cocosnet.h5"), "r") as f:
            cfg = CoCosNetConfig(**{k: int(f.attrs[k]) for k in ("semantic_nc", "ngf", "ndf", "spade_hidden",
                                                                 "corr_feature_channel", "corr_inter_channels")})
            fixture = {net: {k: d[()] for k, d in f["networks"][net].items()} for net in builds}
        for net, (label, build) in builds.items():
            m = build(cfg)
            m.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in fixture[net].items()}, strict=True)
            torch.save(m.state_dict(), os.path.join(official, f"latest_net_{label}.pth"))
        config = self.path("tiny.yaml")
        with open(config, "w") as f:
            f.write("model: cocosnet\ncocosnet:\n  semantic_nc: 6\n  ngf: 2\n  ndf: 4\n  spade_hidden: 8\n"
                    "  corr_inter_channels: 8\n  vgg19_weights: none\n")
        h5 = self.path("cocosnet.h5")
        status, err = run("to-i2i", "--model", "cocosnet", "--checkpoint-dir", official, "--config", config, "--out", h5)
        self.assertEqual(status, 0, err)
        with h5py.File(h5, "r") as f:
            self.assertEqual(list(f["networks"]), sorted(builds))
            for net in builds:
                self.assertEqual(sorted(f["networks"][net]), sorted(fixture[net]))
                for k, v in fixture[net].items():
                    self.assertEqual(f["networks"][net][k].dtype, np.float32)
                    self.assertEqual(f["networks"][net][k][()].tobytes(), np.asarray(v).tobytes(), f"{net}/{k}")
        back = self.path("back")
        status, err = run("from-i2i", "--model", "cocosnet", h5, "--config", config, "--out-dir", back, "--epoch", "20")
        self.assertEqual(status, 0, err)
        self.assertEqual(sorted(os.listdir(back)), ["20_net_Corr.pth", "20_net_D.pth", "20_net_G.pth"])
        for net, (label, build) in builds.items():
            got = load(os.path.join(back, f"20_net_{label}.pth"))
            self.assertSameState(got, load(os.path.join(official, f"latest_net_{label}.pth")), label)
            build(cfg).load_state_dict(got, strict=True)
        # Without the discriminator (the released test models): two networks, both ways.
        os.remove(os.path.join(official, "latest_net_D.pth"))
        status, err = run("to-i2i", "--model", "cocosnet", "--checkpoint-dir", official, "--config", config,
                          "--out", self.path("gen.h5"))
        self.assertEqual(status, 0, err)
        with h5py.File(self.path("gen.h5"), "r") as f:
            self.assertEqual(sorted(f["networks"]), ["netCorr", "netG"])
        status, err = run("from-i2i", "--model", "cocosnet", self.path("gen.h5"), "--config", config,
                          "--out-dir", self.path("gen"))
        self.assertEqual(status, 0, err)
        self.assertEqual(sorted(os.listdir(self.path("gen"))), ["latest_net_Corr.pth", "latest_net_G.pth"])
        # Refusals, one line each.
        x = self.path("x.h5")
        self.assertRefused(["to-i2i", "--model", "cocosnet", "--checkpoint-dir", official, "--out", x],
                           "'fc.weight' has shape [32, 9, 3, 3], the network's is [1024, 154, 3, 3] "
                           "(architecture from the ADE20k defaults: semantic_nc 151")
        self.assertRefused(["from-i2i", "--model", "cocosnet", h5, "--out-dir", self.path("o")], "pass --config")
        for text, fragment in (("model: unit\n", "a config of model 'unit'"),
                               ("cocosnet:\n  ngf: two\n", "cocosnet.ngf is 'two', not a positive integer"),
                               ("cocosnet:\n  maskmix: 1\n", "cocosnet.maskmix is 1, not true or false"),
                               ("cocosnet: [\n", "not a readable YAML config")):
            with open(self.path("bad.yaml"), "w") as f:
                f.write(text)
            self.assertRefused(["to-i2i", "--model", "cocosnet", "--checkpoint-dir", official, "--config",
                                self.path("bad.yaml"), "--out", x], fragment)
        with open(config) as f:
            ngf4 = f.read().replace("ngf: 2", "ngf: 4")
        with open(self.path("ngf4.yaml"), "w") as f:
            f.write(ngf4)
        self.assertRefused(["to-i2i", "--model", "cocosnet", "--checkpoint-dir", official, "--config",
                            self.path("ngf4.yaml"), "--out", x], "ngf 4")
        sd = load(os.path.join(official, "latest_net_G.pth"))
        sd["head_0.extra"] = torch.zeros(1)
        torch.save(sd, os.path.join(official, "latest_net_G.pth"))
        self.assertRefused(["to-i2i", "--model", "cocosnet", "--checkpoint-dir", official, "--config", config,
                            "--out", x], "latest_net_G.pth: unexpected key 'head_0.extra'")
        os.remove(os.path.join(official, "latest_net_Corr.pth"))
        self.assertRefused(["to-i2i", "--model", "cocosnet", "--checkpoint-dir", official, "--config", config,
                            "--out", x], "latest_net_Corr.pth: no such file")
        self.assertRefused(["to-i2i", "--model", "cocosnet", "--gen", h5, "--out", x], "reads --checkpoint-dir")
        self.assertRefused(["to-i2i", "--model", "cyclegan", "--checkpoint-dir", official, "--config", config,
                            "--out", x], "--config is for --model cocosnet")
        self.assertRefused(["from-i2i", "--model", "cocosnet", os.path.join(FIXTURES, "unit.h5"), "--out-dir",
                            self.path("o")], "/networks holds")
        self.assertFalse(os.path.exists(x))

    def test_step_names_the_files(self):
        h5 = self.path("ckpt.h5")
        with h5py.File(os.path.join(FIXTURES, "unit.h5"), "r") as src, h5py.File(h5, "w") as f:
            src.copy("networks", f)
            f.attrs["model"] = "unit"
            f.attrs["step"] = 10000
        self.assertEqual(run("from-i2i", "--model", "unit", h5, "--out-dir", self.path("o"))[0], 0)
        self.assertEqual(sorted(os.listdir(self.path("o"))), ["dis_00010000.pt", "gen_00010000.pt"])
        self.assertRefused(["from-i2i", "--model", "cyclegan", h5, "--out-dir", self.path("c")], "of model 'unit'")

    def test_errors(self):
        gen = os.path.join(FIXTURES, "unit_gen.pt")
        self.assertRefused(["to-i2i", "--model", "unit", "--gen", self.path("none.pt"), "--out", self.path("x.h5")],
                           "no such file")
        orig = load(gen)
        bad = {"a": dict(orig["a"]), "b": orig["b"]}
        bad["a"]["enc.model.0.conv.extra"] = torch.zeros(1)
        torch.save(bad, self.path("extra.pt"))
        self.assertRefused(["to-i2i", "--model", "unit", "--gen", self.path("extra.pt"), "--out", self.path("x.h5")],
                           "unexpected key 'enc.model.0.conv.extra'")
        bad = {"a": dict(orig["a"]), "b": orig["b"]}
        del bad["a"]["dec.model.2.norm.gamma"]
        torch.save(bad, self.path("missing.pt"))
        self.assertRefused(["to-i2i", "--model", "unit", "--gen", self.path("missing.pt"), "--out", self.path("x.h5")],
                           "missing key 'dec.model.2.norm.gamma'")
        bad = {"a": orig["a"], "b": dict(orig["b"])}
        bad["b"]["dec.model.2.conv.bias"] = torch.zeros(5)
        torch.save(bad, self.path("shape.pt"))
        self.assertRefused(["to-i2i", "--model", "unit", "--gen", self.path("shape.pt"), "--out", self.path("x.h5")],
                           "'dec.model.2.conv.bias' has shape [5]")
        bad = {"a": dict(orig["a"]), "b": orig["b"]}
        bad["a"]["enc.model.0.conv.bias"] = torch.zeros(4, dtype=torch.int64)
        torch.save(bad, self.path("int.pt"))
        self.assertRefused(["to-i2i", "--model", "unit", "--gen", self.path("int.pt"), "--out", self.path("x.h5")],
                           "torch.int64")
        self.assertRefused(["to-i2i", "--model", "unit", "--gen", os.path.join(FIXTURES, "unit_paper_gen.pkl"),
                            "--out", self.path("x.h5")], "UNIT_Trainer.save")
        self.assertRefused(["to-i2i", "--model", "unit-paper", "--gen", gen, "--out", self.path("x.h5")],
                           "of a UNIT master file")
        open(self.path("exists.h5"), "w").close()
        self.assertRefused(["to-i2i", "--model", "unit", "--gen", gen, "--out", self.path("exists.h5")],
                           "exists (pass --overwrite")
        self.assertEqual(run("to-i2i", "--model", "unit", "--gen", gen, "--out", self.path("exists.h5"),
                             "--overwrite")[0], 0)
        self.assertRefused(["from-i2i", "--model", "unit-paper", self.path("exists.h5"), "--out-dir", self.path("o")],
                           "needs gen, dis")
        self.assertRefused(["from-i2i", "--model", "unit", os.path.join(FIXTURES, "aggan.h5"),
                            "--out-dir", self.path("o")], "/networks holds")
        self.assertRefused(["convert", "--model", "unit"], "invalid choice")
        self.assertFalse(os.path.exists(self.path("o")))

    def test_vgg16_folds_torchvision_normalisation_into_conv1_1(self):
        """A torchvision-layout VGG16 (random weights) on ImageNet-normalised RGB equals the
        converted one on the MUNIT code's BGR/Caffe input, away from the 1-pixel border."""
        from i2i_reference.vgg16 import Vgg16, preprocess
        torch.manual_seed(3)
        tv = Vgg16()  # the same convs; renamed below to torchvision's `features.<i>` keys
        sd = OrderedDict()
        for (index, name) in convert.VGG16_CONVS:
            sd[f"features.{index}.weight"] = getattr(tv, name).weight.detach().clone()
            sd[f"features.{index}.bias"] = (torch.rand(getattr(tv, name).bias.shape) - 0.5)
        sd["classifier.0.weight"] = torch.zeros(4, 4)
        torch.save(sd, self.path("vgg16.pth"))
        status, err = run("to-i2i", "--model", "vgg16", "--weights", self.path("vgg16.pth"), "--out", self.path("v.h5"))
        self.assertEqual(status, 0, err)
        converted = Vgg16()
        with h5py.File(self.path("v.h5"), "r") as f:
            self.assertEqual(sorted(f["networks"]), ["vgg16"])
            converted.load_state_dict({k: torch.from_numpy(d[()]) for k, d in f["networks/vgg16"].items()})
        for (index, name) in convert.VGG16_CONVS:
            getattr(tv, name).bias.data.copy_(sd[f"features.{index}.bias"])
        x = torch.rand(1, 3, 16, 16) * 2 - 1
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        with torch.no_grad():
            expected = tv.conv1_1(((x + 1) / 2 - mean) / std)
            got = converted.conv1_1(preprocess(x))
        interior = (slice(None), slice(None), slice(1, -1), slice(1, -1))
        self.assertLess((got - expected)[interior].abs().max().item(), 1e-4)
        self.assertGreater((got - expected).abs().max().item(), 1e-3)   # the border does differ
        self.assertRefused(["to-i2i", "--model", "vgg16", "--weights", self.path("v.h5"), "--out", self.path("w.h5")],
                           "not a readable PyTorch file")
        self.assertRefused(["from-i2i", "--model", "vgg16", self.path("v.h5"), "--out-dir", self.path("d")],
                           "converts to i2i only")

    def test_executable(self):
        r = subprocess.run([SCRIPT, "to-i2i", "--model", "unit", "--gen", self.path("none.pt"), "--out",
                            self.path("x.h5")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(), f"convert-weights: {self.path('none.pt')}: no such file")


if __name__ == "__main__":
    unittest.main()
