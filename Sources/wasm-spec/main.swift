// wasm-spec: runs the official WebAssembly tests (converted to JSON by `wasm-tools
// json-from-wast`) against LeveeWasm. Usage:
//   wasm-spec [--min-rate PERCENT] [--all-must-pass DIR]... [--multi-memory] DIR...
// Each DIR holds one folder per .wast file with its JSON and modules. Prints one line per file,
// its failures, and `spec: P passed, F failed, N not applicable`; exits 1 below the rate or on a
// failure in an --all-must-pass folder. --multi-memory turns on several memories per module (the
// multi-memory proposal, which the custom-page-sizes tests use) for the folders after it.
import Foundation
import LeveeWasmHost

var minRate = 99.5
var strict: [String] = []
var dirs: [String] = []
var multiMemory: Set<String> = []
var multi = false
var verbose = false
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--min-rate": minRate = Double(args.popFirst() ?? "") ?? minRate
    case "--all-must-pass": if let d = args.popFirst() { strict.append(d); dirs.append(d); if multi { multiMemory.insert(d) } }
    case "--multi-memory": multi = true
    case "--verbose": verbose = true
    default: dirs.append(a); if multi { multiMemory.insert(a) }
    }
}
let runner = SpecRunner()
runner.verbose = verbose
var strictFailures = 0
let fm = FileManager.default
for dir in dirs {
    let root = URL(fileURLWithPath: dir)
    runner.limits.memories = multiMemory.contains(dir) ? .multiple : .single
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
