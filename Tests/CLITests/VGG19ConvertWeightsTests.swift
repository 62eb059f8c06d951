// launch/convert-weights --model vgg19 (long tier: needs torch): the official vgg19_conv.pth
// layout is copied exactly, torchvision's VGG19 state dict is renamed and its input change
// folded into conv1_1 — CoCosNet's preprocessing with the converted weights must give the
// features torchvision's normalisation gives with the original ones (away from the border, where
// zero padding means another colour in the two input spaces), and a wrong file is one error line.
import Foundation
import TestSupport
import XCTest

final class VGG19ConvertWeightsTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testOfficialAndTorchvisionFilesConvert() throws {
        let ws = try CLIWorkspace("vgg19-convert")
        let script = """
            import os, subprocess, sys
            import h5py, torch
            import torch.nn.functional as F
            repo, here = \(String(reflecting: Self.repository)), \(String(reflecting: ws.folder))
            sys.path.insert(0, repo + "/launch/reference")
            from i2i_reference.vgg19 import Vgg19, LAYERS, preprocess
            torch.manual_seed(3)
            def convert(source, out):
                return subprocess.run([sys.executable, repo + "/launch/convert-weights", "to-i2i", "--model", "vgg19",
                                       "--weights", source, "--out", out], capture_output=True, text=True)
            def load(path):
                with h5py.File(path, "r") as f:
                    return {k: torch.from_numpy(f["networks/vgg19"][k][()]).double() for k in f["networks/vgg19"]}
            # The official layout: the reference network's own state, copied exactly.
            official = {k: v.float() for k, v in Vgg19().state_dict().items()}
            torch.save(official, here + "/vgg19_conv.pth")
            r = convert(here + "/vgg19_conv.pth", here + "/official.h5")
            assert r.returncode == 0, r.stderr
            converted = load(here + "/official.h5")
            assert set(converted) == set(official) and len(official) == 32
            assert all(torch.equal(converted[k].float(), official[k]) for k in official)
            # torchvision's layout: features.<i> with ReLU and pools between, and a classifier.
            indices = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]
            tv = {}
            for i, (name, cin, cout) in zip(indices, LAYERS):
                tv[f"features.{i}.weight"] = torch.randn(cout, cin, 3, 3) * (2.0 / (9 * cin)) ** 0.5
                tv[f"features.{i}.bias"] = torch.randn(cout) * 0.1
            tv["classifier.0.weight"] = torch.randn(8, 4)
            torch.save(tv, here + "/vgg19-tv.pth")
            r = convert(here + "/vgg19-tv.pth", here + "/tv.h5")
            assert r.returncode == 0, r.stderr
            net = Vgg19().double()
            net.load_state_dict(load(here + "/tv.h5"))
            x = torch.rand(1, 3, 32, 32, dtype=torch.float64) * 2 - 1
            ours = net(preprocess(x), ["r11", "r12", "r21"])
            mean = torch.tensor([0.485, 0.456, 0.406], dtype=torch.float64).view(1, 3, 1, 1)
            std = torch.tensor([0.229, 0.224, 0.225], dtype=torch.float64).view(1, 3, 1, 1)
            h = ((x + 1) / 2 - mean) / std
            r11 = F.relu(F.conv2d(h, tv["features.0.weight"].double(), tv["features.0.bias"].double(), padding=1))
            r12 = F.relu(F.conv2d(r11, tv["features.2.weight"].double(), tv["features.2.bias"].double(), padding=1))
            r21 = F.relu(F.conv2d(F.max_pool2d(r12, 2), tv["features.5.weight"].double(), tv["features.5.bias"].double(), padding=1))
            for mine, theirs, border in zip(ours, [r11, r12, r21], [1, 2, 2]):
                inner = (slice(None), slice(None), slice(border, -border), slice(border, -border))
                assert torch.allclose(mine[inner], theirs[inner], rtol=1e-6, atol=1e-6), (mine[inner] - theirs[inner]).abs().max()
            assert not torch.allclose(ours[0], r11, rtol=1e-6, atol=1e-6), "the border differs"
            # A VGG16 file is not a VGG19 one.
            del tv["features.34.weight"]
            torch.save(tv, here + "/short.pth")
            r = convert(here + "/short.pth", here + "/short.h5")
            assert r.returncode == 2 and r.stderr.strip().count("\\n") == 0, r.stderr
            assert "missing key 'features.34.weight'" in r.stderr, r.stderr
            assert not os.path.exists(here + "/short.h5")
            print("ok")
            """
        XCTAssertEqual(
            try Python.run(script, modules: ["torch", "h5py"], limit: 300).trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }
}
