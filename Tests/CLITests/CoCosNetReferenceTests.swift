// The PyTorch expression of CoCosNet's networks (launch/reference/i2i_reference/cocosnet_networks.py;
// long tier: needs torch): at the README's ADE20k configuration its parameter counts are those of
// the official networks, and at a tiny configuration the forward passes give the official shapes
// (warped exemplar at full size, warped mask at 1/4 summing to 1 over classes, two discriminator
// scales of five outputs each).
import Foundation
import TestSupport
import XCTest

final class CoCosNetReferenceTests: XCTestCase {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("launch/reference").path

    func testParameterCountsAndShapes() throws {
        let script = """
            import sys
            sys.path.insert(0, \(String(reflecting: Self.reference)))
            import torch
            import torch.nn.functional as F
            from i2i_reference.cocosnet_networks import (CoCosNetConfig, MultiscaleDiscriminator, NoVGGCorrespondence,
                                                         SPADEGenerator, count_parameters)
            with torch.device("meta"):
                cfg = CoCosNetConfig()
                print("netG", count_parameters(SPADEGenerator(cfg)))
                print("netCorr", count_parameters(NoVGGCorrespondence(cfg)))
                print("netD", count_parameters(MultiscaleDiscriminator(cfg)))
            torch.manual_seed(0)
            cfg = CoCosNetConfig(semantic_nc=5, ngf=4, ndf=4, crop_size=64, spade_hidden=8, corr_feature_channel=4,
                                 corr_inter_channels=8)
            corr, g, d = NoVGGCorrespondence(cfg), SPADEGenerator(cfg), MultiscaleDiscriminator(cfg)
            onehot = lambda: F.one_hot(torch.randint(0, 5, (2, 64, 64)), 5).permute(0, 3, 1, 2).float()
            seg, ref_seg = onehot(), onehot()
            image, exemplar = torch.rand(2, 3, 64, 64) * 2 - 1, torch.rand(2, 3, 64, 64) * 2 - 1
            out = corr(exemplar, image, seg, ref_seg, warp_cycle=True)
            print("corr", sorted((k, tuple(v.shape)) for k, v in out.items()))
            print("mask sums", bool(torch.allclose(out["warp_mask"].sum(1), torch.ones(2, 16, 16))))
            fake = g(torch.cat((out["warp_out"], seg), 1))
            print("G", tuple(fake.shape), bool(fake.abs().max() <= 1))
            print("D", [[tuple(t.shape) for t in scale] for scale in d(torch.cat((seg, fake), 1))])
            """
        let lines = try Python.run(script, modules: ["torch"], limit: 300).split(separator: "\n").map(String.init)
        XCTAssertEqual(
            lines,
            [
                // The official networks' counts at the ADE20k configuration (microsoft/CoCosNet).
                "netG 96664260", "netCorr 59315716", "netD 6862194",
                "corr [('no_vgg_feat', ()), ('warp_cycle', (2, 3, 16, 16)), ('warp_mask', (2, 5, 16, 16)), ('warp_out', (2, 3, 64, 64))]",
                "mask sums True", "G (2, 3, 64, 64) True",
                "D [[(2, 4, 32, 32), (2, 8, 16, 16), (2, 16, 8, 8), (2, 32, 7, 7), (2, 1, 6, 6)], "
                    + "[(2, 4, 16, 16), (2, 8, 8, 8), (2, 16, 4, 4), (2, 32, 3, 3), (2, 1, 2, 2)]]",
            ])
    }
}
