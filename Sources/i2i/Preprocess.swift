// `i2i preprocess`: image folders → a dataset file (unpaired, or paired label maps and images),
// and the one-line error reporting the data commands share.
import ArgumentParser
import Datasets
import FileSafety
import Foundation

/// Converts folders of JPEG and PNG images into one HDF5 dataset file.
struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert image folders (JPEG, PNG; recursive, sorted) into a dataset file.",
        discussion: """
            Unpaired:  i2i preprocess --a DIR --b DIR --out FILE.h5 [--test-fraction F | --a-test DIR --b-test DIR]
            Paired:    i2i preprocess --paired --images DIR --labels DIR --out FILE.h5 [--num-classes N] [--exemplars FILE ...]
            Label maps are PNG files of class ids (grey values or palette indices) matched to images \
            by relative path without extension. Each paired image gets a list of candidate exemplars \
            among the training images: from --exemplars files in the official *_ref.txt format \
            (lines KEY,CANDIDATE,...; every training image needs a line), else the 5 training images \
            whose label-class histograms are most similar (cosine). Unreadable files are skipped and listed (--strict: an \
            error). The file appears only when complete; the same input gives the same content hash.
            """)

    @Option(help: "Folder of domain A images.") var a: String?
    @Option(help: "Folder of domain B images.") var b: String?
    @Option(name: .customLong("a-test"), help: "Folder of domain A test images (instead of --test-fraction).") var aTest: String?
    @Option(name: .customLong("b-test"), help: "Folder of domain B test images.") var bTest: String?
    @Flag(help: "Paired data: images with PNG label maps (CoCosNet).") var paired = false
    @Option(help: "Folder of images (paired data).") var images: String?
    @Option(help: "Folder of PNG label maps (paired data).") var labels: String?
    @Option(name: .customLong("images-test"), help: "Folder of test images (paired data).") var imagesTest: String?
    @Option(name: .customLong("labels-test"), help: "Folder of test label maps (paired data).") var labelsTest: String?
    @Option(name: .customLong("num-classes"), help: "Label classes (paired data; default: largest label + 1).") var numClasses: Int?
    @Option(
        help: "Retrieval lists in the official *_ref.txt format (paired data; repeatable, e.g. the training and the test list).")
    var exemplars: [String] = []
    @Option(help: "The dataset file to write.") var out: String?
    @Option(help: "Side of the stored square images.") var size = 256
    @Option(help: "crop (shorter side to SIZE, centre crop), pad, or stretch.") var resize = "crop"
    @Option(name: .customLong("test-fraction"), help: "Share of each folder for the test split, chosen by file name.") var testFraction:
        Double?
    @Option(help: "gzip level 1-9 for each image (default: none).") var gzip: Int?
    @Flag(help: "Stop at the first unreadable file instead of skipping it.") var strict = false
    @Flag(help: "Replace an existing --out file (atomically, when the new one is complete).") var overwrite = false
    @Option(name: .customLong("max-pixels"), help: "Skip images announcing more pixels than this.") var maxPixels = ImageCodec
        .defaultMaxPixels

    func validate() throws {
        if paired {
            try require(a == nil && b == nil && aTest == nil && bTest == nil, "--paired takes --images and --labels, not --a/--b")
            try require(images != nil && labels != nil, "--paired needs --images DIR and --labels DIR")
            try require((imagesTest == nil) == (labelsTest == nil), "give both --images-test and --labels-test, or neither")
            try require(
                numClasses.map { (1...256).contains($0) } ?? true, "--num-classes must be between 1 and 256, not \(numClasses ?? 0)")
        } else {
            try require(
                images == nil && labels == nil && imagesTest == nil && labelsTest == nil && numClasses == nil && exemplars.isEmpty,
                "--images, --labels, --num-classes and --exemplars need --paired")
            try require(a != nil && b != nil, "give --a DIR and --b DIR (or --paired --images DIR --labels DIR)")
            try require((aTest == nil) == (bTest == nil), "give both --a-test and --b-test, or neither")
        }
        try require(out != nil, "--out FILE.h5 is required")
        try require((1...8192).contains(size), "--size must be between 1 and 8192, not \(size)")
        try require(ResizeMode(rawValue: resize) != nil, "--resize must be crop, pad or stretch, not '\(resize)'")
        try require(testFraction.map { $0 >= 0 && $0 < 1 } ?? true, "--test-fraction must be in [0, 1), not \(testFraction ?? 0)")
        try require(testFraction == nil || (aTest == nil && imagesTest == nil), "give --test-fraction or test folders, not both")
        try require(gzip.map { (1...9).contains($0) } ?? true, "--gzip must be between 1 and 9, not \(gzip ?? 0)")
        try require(maxPixels > 0, "--max-pixels must be positive")
    }

    func run() throws {
        let folders: [(String, String?)] = [
            ("--a", a), ("--b", b), ("--a-test", aTest), ("--b-test", bTest), ("--images", images), ("--labels", labels),
            ("--images-test", imagesTest), ("--labels-test", labelsTest),
        ]
        try claimOutput(
            "--out", out!, kind: .file, overwrite: overwrite,
            inputs: folders.compactMap { name, path in path.map { CommandInput(name, $0) } }
                + exemplars.map { CommandInput("--exemplars", $0) })
        var options = PreprocessOptions()
        options.size = size
        options.resizeMode = ResizeMode(rawValue: resize)!
        options.testFraction = testFraction ?? 0
        options.gzipLevel = gzip
        options.strict = strict
        options.maxPixels = maxPixels
        options.numClasses = numClasses
        options.exemplarFiles = exemplars
        options.shouldStop = stopRequested
        catchInterrupts()
        let summary = try reportingErrors {
            if paired {
                return try Preprocessor.paired(
                    images: PreprocessSource(option: "--images", path: images!),
                    labels: PreprocessSource(option: "--labels", path: labels!),
                    imagesTest: imagesTest.map { PreprocessSource(option: "--images-test", path: $0) },
                    labelsTest: labelsTest.map { PreprocessSource(option: "--labels-test", path: $0) },
                    output: out!, options: options)
            }
            return try Preprocessor.unpaired(
                a: PreprocessSource(option: "--a", path: a!), b: PreprocessSource(option: "--b", path: b!),
                aTest: aTest.map { PreprocessSource(option: "--a-test", path: $0) },
                bTest: bTest.map { PreprocessSource(option: "--b-test", path: $0) },
                output: out!, options: options)
        }
        let counts = summary.counts.map { "\($0.split) \($0.count)" }.joined(separator: ", ")
        let rate = summary.seconds > 0 ? Double(summary.written) / summary.seconds : 0
        print("wrote \(summary.path): \(counts) (\(size)x\(size), \(resize)\(summary.numClasses.map { ", \($0) classes" } ?? ""))")
        print("time \(String(format: "%.1f", summary.seconds)) s, \(String(format: "%.1f", rate)) images/s")
        print("content hash \(summary.contentHash)")
        if summary.skipped.isEmpty {
            print("skipped none")
        } else {
            print("skipped \(summary.skipped.count) file\(summary.skipped.count == 1 ? "" : "s"):")
            for file in summary.skipped { print("  \(file.path): \(file.reason)") }
        }
    }
}

// MARK: - Interrupts

/// Set by SIGINT or SIGTERM once ``catchInterrupts()`` ran; long loops poll it, clean up and stop.
private nonisolated(unsafe) var interruptSignal: sig_atomic_t = 0

/// Whether an interrupt arrived.
@Sendable func stopRequested() -> Bool { interruptSignal != 0 }

/// Makes SIGINT and SIGTERM request a clean stop (temporary files removed) instead of ending
/// the process at once; a second signal ends it immediately.
func catchInterrupts() {
    let handler: @convention(c) (Int32) -> Void = { signalNumber in
        if interruptSignal != 0 { _exit(128 + signalNumber) }
        interruptSignal = 1
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
}
