// LeveeWasm: the WebAssembly interpreter of the node's reconfigurable slot.
//
// Stages, each testable on its own: the decoder reads a binary module into tables held in a
// caller-given arena, the validator checks it, the translator turns function bodies into a
// pre-decoded internal code, and the executor runs that code with a fuel budget and a preemption
// hook. Nothing here allocates: every table and stack lives in the arena the embedder provides.
