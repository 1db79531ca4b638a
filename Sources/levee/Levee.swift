import ArgumentParser

/// The host tool for people who run Levee Nodes. Each area adds its subcommands here.
@main
struct Levee: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "levee",
        abstract: "Tools for Levee Node: run Wasm modules, sign and push updates, load-test nodes.",
        subcommands: [LoadCommand.self, WasmCommand.self, UpdateKeygen.self, UpdateSign.self, UpdateVerify.self,
                      SlotPush.self, SlotShow.self])
}
