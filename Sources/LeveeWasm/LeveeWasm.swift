// LeveeWasm: the WebAssembly interpreter of the node's reconfigurable slot.
//
// WebAssembly 2.0 without SIMD, plus custom-page-sizes (and multi-memory when the embedder asks).
// Stages: the loader (Loader.swift) locates and decodes sections and links imports, the
// translator (Translator.swift) validates each body and emits the pre-decoded slot code
// (Opcodes.swift), the executor (Executor.swift, Bulk.swift) runs it with a fuel budget and a
// preemption hook. Nothing here allocates: every table, the code, linear memory and both stacks
// live in the arena the embedder passes to `Instance.load`. The embedder is a generic `WasmHost`
// (imports, host functions, preemption), never stored.
