// Errors shared by the commands: one `error:` line on standard error and the exit statuses of
// the README (2 for bad usage, configs and input files; 1 for run-time failures).
import ArgumentParser
import Checkpointing
import Configuration
import Datasets
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
    } catch let error as PreprocessInterrupted {
        throw commandFailure(error.description, status: 130)
    } catch {
        throw commandFailure("\(error)", status: ExitStatus.failure)
    }
}
