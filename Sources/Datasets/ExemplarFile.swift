// Reading retrieval lists in the official `*_ref.txt` format (`i2i preprocess --exemplars FILE`;
// the format is described in ExemplarLists.swift).
//
// Rules, each broken one an error naming the file and line: every line holds a key and at least
// one candidate, separated by commas (spaces around names are ignored); no line is empty except
// a final line break; a name matches a stored image by its relative path or, when unique, by its
// file name (the official lists use file names); a key names an image of the training or the
// test split, once over all files; candidates name training images (the official test lists also
// point into the training folder). Every training image needs a line; test images without one
// get lists by the histogram rule.
import Foundation

/// One line of a reference file.
public struct ExemplarLine: Equatable, Sendable {
    /// 1-based line number.
    public let line: Int
    /// The image the line is for.
    public let key: String
    /// Its candidate exemplars, best first.
    public let candidates: [String]
}

/// Parses and resolves `*_ref.txt` retrieval lists.
public enum ExemplarFile {
    /// The lines of the file at `path`; `option` names it in errors.
    public static func lines(contentsOf path: String, option: String = "--exemplars") throws -> [ExemplarLine] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError("\(option): cannot read '\(path)'")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw DatasetError("\(option) '\(path)': not UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // a byte-order mark
        // Lines end at LF, CR or CRLF (one Character in Swift).
        var rows = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if rows.last == "" { rows.removeLast() }
        guard !rows.isEmpty else { throw DatasetError("\(option) '\(path)': the file is empty") }
        return try rows.enumerated().map { offset, row in
            let number = offset + 1
            let items = row.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !(items.count == 1 && items[0].isEmpty) else {
                throw DatasetError("\(option) '\(path)' line \(number): the line is empty")
            }
            guard items.count >= 2 else {
                throw DatasetError(
                    "\(option) '\(path)' line \(number): '\(items[0])' has no candidate exemplars (expected KEY,CANDIDATE,...)")
            }
            if let blank = items.firstIndex(where: \.isEmpty) {
                throw DatasetError("\(option) '\(path)' line \(number): name \(blank + 1) is empty")
            }
            return ExemplarLine(line: number, key: items[0], candidates: Array(items.dropFirst()))
        }
    }

    /// Resolves the lines of `files` against the stored names: the training split's table
    /// (every image listed) and, for test images with a line, their candidates.
    public static func resolve(
        _ files: [(path: String, lines: [ExemplarLine])], trainNames: [String], testNames: [String], option: String = "--exemplars"
    ) throws -> (train: ExemplarTable, test: [Int: [Int]]) {
        let train = NameIndex(trainNames), test = NameIndex(testNames)
        var trainRows = [[Int]?](repeating: nil, count: trainNames.count)
        var testRows: [Int: [Int]] = [:]
        var seen: [String: (String, Int)] = [:]
        for (path, lines) in files {
            for line in lines {
                let at = "\(option) '\(path)' line \(line.line)"
                let inTrain = try train.find(line.key, at), inTest = try test.find(line.key, at)
                guard inTrain == nil || inTest == nil else {
                    throw DatasetError("\(at): '\(line.key)' names an image of both the training and the test split")
                }
                guard let index = inTrain ?? inTest else {
                    throw DatasetError("\(at): '\(line.key)' names no stored image (not in the folders, or skipped)")
                }
                let key = (inTrain != nil ? "train/" : "test/") + String(index)
                if let first = seen[key] {
                    throw DatasetError("\(at): a second line for '\(line.key)' (the first is line \(first.1) of '\(first.0)')")
                }
                seen[key] = (path, line.line)
                let candidates = try line.candidates.map { name -> Int in
                    guard let found = try train.find(name, at) else {
                        throw DatasetError("\(at): candidate '\(name)' names no training image (not in the folder, or skipped)")
                    }
                    return found
                }
                if inTrain != nil { trainRows[index] = candidates } else { testRows[index] = candidates }
            }
        }
        let missing = trainRows.indices.filter { trainRows[$0] == nil }
        if let first = missing.first {
            let others = missing.count > 1 ? " (and \(missing.count - 1) other training image\(missing.count == 2 ? "" : "s"))" : ""
            throw DatasetError("\(option): no line for training image '\(trainNames[first])'\(others)")
        }
        return (ExemplarTable(rows: trainRows.map { $0! }), testRows)
    }
}

/// Stored names by relative path and by unique file name.
private struct NameIndex {
    let exact: [String: Int]
    /// File name → index, or -1 when several images share it.
    let byFileName: [String: Int]

    init(_ names: [String]) {
        var exact: [String: Int] = [:], byFileName: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            exact[name] = exact[name] ?? i
            let file = (name as NSString).lastPathComponent
            byFileName[file] = byFileName[file] == nil ? i : -1
        }
        self.exact = exact
        self.byFileName = byFileName
    }

    func find(_ name: String, _ at: String) throws -> Int? {
        if let i = exact[name] { return i }
        guard let i = byFileName[name] else { return nil }
        guard i >= 0 else { throw DatasetError("\(at): '\(name)' matches several images; give its path relative to the folder") }
        return i
    }
}
