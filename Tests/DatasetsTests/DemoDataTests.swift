// Demo data: determinism for a seed and the truth relations (the scores against the truth are
// tested with TranslationScore, in i2iTests).
import Datasets
import XCTest

final class DemoDataTests: XCTestCase {
    func testSameSeedSameFileAndTruthIsTheOtherRendering() throws {
        let root = makeTemporaryFolder(self)
        for kind in DemoKind.allCases where !kind.isPaired {
            let one = try DemoDataset.write(kind: kind, count: 6, testCount: 3, size: 24, seed: 7, to: root + "/\(kind)1.h5")
            let two = try DemoDataset.write(kind: kind, count: 6, testCount: 3, size: 24, seed: 7, to: root + "/\(kind)2.h5")
            let other = try DemoDataset.write(kind: kind, count: 6, testCount: 3, size: 24, seed: 8, to: root + "/\(kind)3.h5")
            XCTAssertEqual(one, two)
            XCTAssertNotEqual(one, other)
            let file = try DatasetFile(path: root + "/\(kind)1.h5")
            XCTAssertEqual(try file.computeContentHash(), one)
            XCTAssertEqual(file.info.splits.map(\.count), [6, 6, 3, 3])
            XCTAssertEqual(file.info.resizeMode, "generated")
            let generator = kind.generator(seed: 7)
            // testA image k is scene (2 << 40) + k in A; its truth is the same scene in B, in the
            // look testB image k has (for kinds whose look the scene fixes, simply its B).
            let scene = generator.render(scene: (2 << 40) + 1, size: 24)
            XCTAssertEqual(try file.image("testA", 1), scene.a)
            XCTAssertEqual(try file.truth("testA", 1), generator.render(scene: (2 << 40) + 1, styleOf: (3 << 40) + 1, size: 24).b)
            let sceneB = generator.render(scene: (3 << 40) + 2, size: 24)
            XCTAssertEqual(try file.image("testB", 2), sceneB.b)
            XCTAssertEqual(try file.truth("testB", 2), generator.render(scene: (3 << 40) + 2, styleOf: (2 << 40) + 2, size: 24).a)
            if kind != .daytime {
                XCTAssertEqual(try file.truth("testA", 1), scene.b)
                XCTAssertEqual(try file.truth("testB", 2), sceneB.a)
            }
            XCTAssertNotEqual(try file.image("trainA", 0), try file.image("trainB", 0))
            XCTAssertEqual(try file.names("testB")[2], "\(kind)/testB/000002")
        }
    }

    func testStripesChangeOnlyTheShapes() {
        let generator = StripesGenerator(seed: 3)
        var changed = 0
        for scene in 0..<20 {
            let (a, b) = generator.render(scene: UInt64(scene), size: 32)
            // B equals A or its complement at every pixel.
            for i in stride(from: 0, to: a.pixels.count, by: 3) {
                let same = (0..<3).allSatisfy { a.pixels[i + $0] == b.pixels[i + $0] }
                let complement = (0..<3).allSatisfy { a.pixels[i + $0] == 255 - b.pixels[i + $0] }
                XCTAssertTrue(same || complement)
                if !same { changed += 1 }
            }
            // The corners lie outside every shape (centres within [0.2, 0.8], half-axes ≤ 0.35·S
            // could reach them, so only check that the background pixel count is positive).
        }
        XCTAssertGreaterThan(changed, 20 * 32)
    }

    func testSeasonsUseThePalettes() {
        let (a, b) = SeasonsGenerator(seed: 1).render(scene: 4, size: 32)
        let top = Array(a.pixels[0..<3]), topB = Array(b.pixels[0..<3])
        // The top-left pixel is sky: blue in summer, grey in winter (± the texture).
        XCTAssertGreaterThan(Int(top[2]), Int(top[0]) + 60)
        XCTAssertLessThan(abs(Int(topB[2]) - Int(topB[0])), 40)
    }

    /// Daytime: the look (light level, warmth) comes from the style scene, the layout and texture
    /// from the scene; a pixel follows the documented formula by hand.
    func testDaytimeTakesTheLookOfTheStyleScene() throws {
        let generator = DaytimeGenerator(seed: 1)
        let (labels, texture) = SeasonsGenerator(seed: 1).scene(4, size: 32)
        XCTAssertEqual(labels[0], UInt8(SeasonsGenerator.Label.sky.rawValue))
        for styleScene: UInt64 in [4, 9, 17] {
            let look = generator.appearances(of: styleScene)
            XCTAssertTrue((0.4...1).contains(look.b.light) && (-1...1).contains(look.b.warmth))
            let styled = generator.render(scene: 4, styleOf: styleScene, size: 32)
            // Top-left pixel: winter sky (185, 190, 200) + texture, times ℓ·(1 + 0.3w, 1, 1 − 0.3w).
            let gains = [look.b.light * (1 + 0.3 * look.b.warmth), look.b.light, look.b.light * (1 - 0.3 * look.b.warmth)]
            for (c, sky) in [185.0, 190, 200].enumerated() {
                let expected = Swift.max(0, Swift.min(255, ((sky + texture[0]) * gains[c]).rounded()))
                XCTAssertEqual(Double(styled.b.pixels[c]), expected, "style scene \(styleScene) channel \(c)")
            }
        }
        // A scene's own look is its plain rendering; other looks change the colours, not the layout.
        XCTAssertEqual(generator.render(scene: 4, styleOf: 4, size: 32).b, generator.render(scene: 4, size: 32).b)
        XCTAssertNotEqual(generator.render(scene: 4, styleOf: 9, size: 32).b, generator.render(scene: 4, size: 32).b)
        XCTAssertNotEqual(generator.appearances(of: 9).a, generator.appearances(of: 9).b)
    }
}
