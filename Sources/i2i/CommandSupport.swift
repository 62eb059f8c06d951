// Errors shared by the commands: one `error:` line on standard error and the exit statuses of
// the README (2 for bad usage, configs and input files; 1 for run-time failures), and the
// claim every command that writes makes on its output (FileSafety's one write-protection policy).
import ArgumentParser
import Checkpointing
import Configuration
import Datasets
import FileSafety
import Foundation
import Training

/// Exit statuses (README, "Commands"): 1 for a run-time failure, 2 for bad usage or bad input.
enum ExitStatus {
    static let failure: Int32 = 1
    static let badInput: Int32 = 2
}

/// Prints `error: message` on standard error and returns the exit to throw.
func commandFailure(_ message: String, status: Int32 = ExitStatus.badInput) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(status)
}

/// Throws a usage error (one `error:` line, status 2, printed by `I2I.main`) unless
/// `condition` holds.
///
/// Safe in `validate()`: nothing is printed when `--help` wins.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ValidationError(message()) }
}

/// Runs `body`, turning errors into one `error:` line: problems with the input (dataset,
/// image and sampler errors) exit with status 2, anything else (I/O failures) with 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as DatasetError {
        throw commandFailure(error.description)
    } catch let error as ImageError {
        throw commandFailure(error.description, status: error.kind == .unwritable ? ExitStatus.failure : ExitStatus.badInput)
    } catch let error as SamplerError {
        throw commandFailure(error.description)
    } catch let error as ConfigError {
        throw commandFailure(error.description)
    } catch let error as CheckpointError {
        throw commandFailure(error.description)
    } catch let error as OutputError {
        // A refusal of the policy is bad usage (2); a system call that failed is a run-time failure (1).
        throw commandFailure(error.description, status: error.systemReason == nil ? ExitStatus.badInput : ExitStatus.failure)
    } catch let error as PreprocessInterrupted {
        throw commandFailure(error.description, status: 130)
    } catch {
        throw commandFailure("\(error)", status: ExitStatus.failure)
    }
}

/// Claims a command's output under the write-protection policy (FileSafety's ``OutputGuard``):
/// not one of `inputs`, not an existing file or non-empty folder unless `overwrite`, and stale
/// temporaries removed; a refusal is one `error:` line and exit status 2.
///
/// Every command that writes calls this before reading or computing anything costly.
func claimOutput(_ option: String, _ path: String, kind: OutputGuard.Kind, overwrite: Bool, inputs: [CommandInput]) throws {
    try reportingErrors { try OutputGuard(option: option, path: path, kind: kind, overwrite: overwrite).claim(inputs: inputs) }
}
