// Retrieval lists of paired data (CoCosNet): for each image, the training images that may serve
// as its exemplar, the most similar first. Stored per split as `exemplars` (DatasetLayout.swift).
//
// Invariants: a table has `columns` ≥ 1 entries per row; each row holds at least one index and
// pads its end with -1; every index names an image of the training split.
//
// Reference files (`--exemplars FILE`): the official `*_ref.txt` format (microsoft/CoCosNet,
// data/ade20k_dataset.py `get_ref`): one line per image, `KEY,CAND1,CAND2,…` separated by
// commas, KEY an image's file name and the candidates training images, most similar first.
// The official code keeps the first candidate (the "easy" reference) and the last (the "hard"
// one) for training, and the first for testing; we store the whole line.
//
// Histogram rule (when no list is given; DatasetWriter applies it to every paired split left
// without lists when it finishes a file): the class histogram h of a label map counts its
// pixels per class (at the stored size). The candidates of image q are the k = min(5, N_train
// − 1) training images j ≠ q with the largest cosine similarity h_q·h_j / (‖h_q‖ ‖h_j‖), computed
// as exact integer dot products divided in Double, largest first, equal scores by lower index.
// A training set of one image lists that image for itself.
import Foundation
import TensorCore

/// Per-image exemplar candidates: row `i` lists training-image indices, best first.
public struct ExemplarTable: Equatable, Sendable {
    /// The value padding a short row.
    public static let padding: Int32 = -1
    /// Entries per row.
    public let columns: Int
    /// Row-major (rows × columns) indices into the training split, rows padded with -1.
    public let indices: [Int32]

    /// Rows of candidates (each non-empty), padded to the longest.
    public init(rows: [[Int]]) {
        let width = max(1, rows.map(\.count).max() ?? 1)
        precondition(rows.allSatisfy { !$0.isEmpty }, "ExemplarTable: every image needs at least one candidate")
        columns = width
        indices = rows.flatMap { row in row.map { Int32($0) } + Array(repeating: ExemplarTable.padding, count: width - row.count) }
    }

    /// A stored table; `nil` when it breaks the invariants for a training split of `trainCount` images.
    public init?(columns: Int, indices: [Int32], trainCount: Int) {
        guard columns >= 1, indices.count % columns == 0 else { return nil }
        for row in stride(from: 0, to: indices.count, by: columns) {
            let entries = indices[row..<row + columns]
            guard let first = entries.first, first >= 0 else { return nil }
            // Valid indices, then only padding.
            let valid = entries.prefix { $0 != ExemplarTable.padding }
            guard valid.allSatisfy({ Int($0) < trainCount }), entries.dropFirst(valid.count).allSatisfy({ $0 == ExemplarTable.padding })
            else { return nil }
        }
        self.columns = columns
        self.indices = indices
    }

    /// Rows (images) in the table.
    public var count: Int { indices.count / columns }

    /// The candidates of image `i`, best first.
    public func candidates(_ i: Int) -> [Int] {
        indices[i * columns..<(i + 1) * columns].prefix { $0 != ExemplarTable.padding }.map { Int($0) }
    }

    /// The first candidate of image `i` (the official "easy" reference, `val[0]`).
    public func easy(_ i: Int) -> Int { Int(indices[i * columns]) }

    /// The last candidate of image `i` (the official "hard" reference, `items[-1]`).
    public func hard(_ i: Int) -> Int { candidates(i).last! }
}

/// The class histogram of one label map, as (class, pixel count) pairs in class order.
public struct LabelHistogram: Equatable, Sendable {
    /// Non-zero bins, ascending by class.
    public let bins: [(label: Int, count: Int64)]
    /// Σ count², the squared norm.
    public let squaredNorm: Int64

    /// Counts the classes of a one-channel label map.
    public init(_ labels: Bitmap) {
        precondition(labels.channels == 1, "LabelHistogram: a label map has one channel")
        var counts = [Int64](repeating: 0, count: 256)
        for value in labels.pixels { counts[Int(value)] += 1 }
        self.init(counts: counts)
    }

    /// A histogram from dense per-class counts.
    public init(counts: [Int64]) {
        bins = counts.enumerated().compactMap { $0.element > 0 ? ($0.offset, $0.element) : nil }
        squaredNorm = bins.reduce(0) { $0 + $1.count * $1.count }
    }

    public static func == (a: LabelHistogram, b: LabelHistogram) -> Bool {
        a.bins.elementsEqual(b.bins) { $0.label == $1.label && $0.count == $1.count }
    }
}

extension ExemplarTable {
    /// The default number of candidates the histogram rule lists.
    public static let histogramCandidates = 5

    /// The histogram rule (file header): for each query, the `k` most similar of `candidates`
    /// by cosine similarity of class histograms; with `excludingSelf`, query i never lists
    /// candidate i (unless it is the only candidate).
    public static func byLabelHistogram(
        queries: [LabelHistogram], candidates: [LabelHistogram], excludingSelf: Bool,
        count k: Int = ExemplarTable.histogramCandidates
    ) -> ExemplarTable {
        precondition(!candidates.isEmpty, "ExemplarTable: no training images to choose exemplars from")
        let n = candidates.count
        let lonely = excludingSelf && n == 1
        let take = max(1, min(k, excludingSelf && !lonely ? n - 1 : n))
        // Inverted index: for each class, the candidates holding it and their counts.
        var postings = [[(Int, Int64)]](repeating: [], count: 256)
        for (j, histogram) in candidates.enumerated() {
            for bin in histogram.bins { postings[bin.label].append((j, bin.count)) }
        }
        let norms = candidates.map { Double($0.squaredNorm).squareRoot() }
        var rows = [[Int]](repeating: [], count: queries.count)
        rows.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            Parallel.forEachTask(queries.count) { q in
                var dots = [Int64](repeating: 0, count: n)
                for bin in queries[q].bins {
                    for (j, count) in postings[bin.label] { dots[j] += bin.count * count }
                }
                let queryNorm = Double(queries[q].squaredNorm).squareRoot()
                // The best `take` by (score descending, index ascending), by insertion.
                var best: [(score: Double, index: Int)] = []
                best.reserveCapacity(take + 1)
                for j in 0..<n where !(excludingSelf && !lonely && j == q) {
                    let score = Double(dots[j]) / (queryNorm * norms[j])
                    if best.count == take, let last = best.last, !(score > last.score) { continue }
                    var at = best.count
                    while at > 0 && score > best[at - 1].score { at -= 1 }
                    best.insert((score, j), at: at)
                    if best.count > take { best.removeLast() }
                }
                slots[q] = best.map(\.index)
            }
        }
        return ExemplarTable(rows: rows)
    }
}
