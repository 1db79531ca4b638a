// The node process, free ports and tools come from the shared test support, for every file here.
@_exported import LeveeTestSupport
