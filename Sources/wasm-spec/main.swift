// wasm-spec: runs the official WebAssembly tests (converted to JSON by `wasm-tools
// json-from-wast`) against LeveeWasm. Usage:
//   wasm-spec [--min-rate PERCENT] [--all-must-pass DIR]... DIR...
// Each DIR holds one folder per .wast file with its JSON and modules. Prints one line per file,
// its failures, and `spec: P passed, F failed, N not applicable`; exits 1 below the rate or on a
// failure in an --all-must-pass folder.
import Foundation
import LeveeWasmHost

var minRate = 99.5
var strict: [String] = []
var dirs: [String] = []
var verbose = false
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--min-rate": minRate = Double(args.popFirst() ?? "") ?? minRate
    case "--all-must-pass": if let d = args.popFirst() { strict.append(d); dirs.append(d) }
    case "--verbose": verbose = true
    default: dirs.append(a)
    }
}
let runner = SpecRunner()
runner.verbose = verbose
var strictFailures = 0
let fm = FileManager.default
for dir in dirs {
    let root = URL(fileURLWithPath: dir)
    let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    for name in names {
        let json = root.appendingPathComponent(name).appendingPathComponent(name + ".json")
        guard fm.fileExists(atPath: json.path) else { continue }
        let t = runner.run(file: json, label: root.lastPathComponent + "/" + name)
        if strict.contains(dir) { strictFailures += t.failed }
    }
}
let t = runner.totals
print("spec: \(t.passed) passed, \(t.failed) failed, \(t.notApplicable) not applicable")
let rate = t.passed + t.failed == 0 ? 0 : 100.0 * Double(t.passed) / Double(t.passed + t.failed)
print(String(format: "spec: %.2f %% of applicable commands pass (threshold %.1f %%)", rate, minRate))
if rate < minRate || strictFailures > 0 { exit(1) }
