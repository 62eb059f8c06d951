// The `i2i` command: image-to-image translation GANs on CPUs, data-parallel over MPI.
import ArgumentParser
import Checkpointing
import Foundation

/// Root command; each subcommand lives in its own file.
@main
struct I2I: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "i2i",
        abstract: "Image-to-image translation GANs (CycleGAN, AGGAN, UNIT, MUNIT, U-GAT-IT, CoCosNet) on CPUs, data-parallel over MPI.",
        version: i2iVersion,  // `i2i --version`: the code version every checkpoint records
        subcommands: [Preprocess.self, DemoData.self, Train.self, Translate.self, Inspect.self, Plot.self, Bench.self])

    /// Runs the command line with the documented exit statuses: help and success 0, bad usage one
    /// `error:` line and 2, failures reported by the commands themselves with their own status.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            if exitCode(for: error) == .success { self.exit(withError: error) }  // --help, --version
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let hint = error is ValidationError ? "" : " (see i2i --help)"
            FileHandle.standardError.write(Data("error: \(message)\(hint)\n".utf8))
            Foundation.exit(ExitStatus.badInput)
        }
    }
}
