import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The network-receive interrupt line of the host node, for long work (the slot's module): a
/// thread blocks in poll() on the driver's descriptor and raises the line when a datagram waits;
/// the interpreter's preemption points only load it (a few ns, so they can come every few
/// microseconds), and the node takes the datagrams when it is raised. The thread then waits to
/// be re-armed (`lower`) before it polls again: a level-triggered line, no busy loop, no datagram
/// missed (one that came meanwhile keeps the descriptor readable).
///
/// The main loop drains the socket on its own when idle; a line left raised then only costs one
/// empty `exchange` at the next preemption point.
enum ReceiveLine {
    static let raised = Atomic<Bool>(false)
    static let stopping = Atomic<Bool>(false)
    /// Main thread → watcher: re-armed (a byte), or stopping.
    nonisolated(unsafe) static var wake: (read: Int32, write: Int32) = (-1, -1)
    nonisolated(unsafe) static var descriptor: Int32 = -1
    nonisolated(unsafe) static var thread = pthread_t()

    /// Starts watching `descriptor`; false when the thread could not start (then long work does
    /// not see datagrams, as before).
    static func start(watching fd: Int32) -> Bool {
        var ends: (Int32, Int32) = (-1, -1)
        let rc = withUnsafeMutablePointer(to: &ends) { $0.withMemoryRebound(to: Int32.self, capacity: 2) { pipe($0) } }
        guard rc == 0 else { return false }
        wake = ends
        descriptor = fd
        raised.store(false, ordering: .relaxed)
        stopping.store(false, ordering: .relaxed)
        guard pthread_create(&thread, nil, { _ in ReceiveLine.watch(); return nil }, nil) == 0 else {
            close(ends.0)
            close(ends.1)
            return false
        }
        return true
    }

    static func stop() {
        stopping.store(true, ordering: .releasing)
        signalWatcher()
        pthread_join(thread, nil)
        close(wake.read)
        close(wake.write)
    }

    /// Whether a datagram waits (the line is raised); takes it down.
    @inline(__always) static func take() -> Bool {
        guard raised.load(ordering: .acquiring) else { return false }
        raised.store(false, ordering: .relaxed)
        return true
    }

    /// After the socket was drained: watch it again.
    static func rearm() { signalWatcher() }

    static func signalWatcher() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    static func watch() {
        var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        var byte: UInt8 = 0
        while !stopping.load(ordering: .acquiring) {
            guard poll(&fds, 2, -1) > 0 else { continue }
            if fds[1].revents != 0 {   // a stale re-arm, or stopping
                _ = read(wake.read, &byte, 1)
                continue
            }
            guard fds[0].revents != 0 else { continue }
            raised.store(true, ordering: .releasing)
            // Until the node has taken what waits: a blocking read of the re-arm byte.
            _ = read(wake.read, &byte, 1)
        }
    }
}
