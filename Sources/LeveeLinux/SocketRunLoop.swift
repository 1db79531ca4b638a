import LeveeBase
#if canImport(Glibc)
import Glibc
#endif

/// Runs a `DatagramService` on a host UDP socket until SIGINT or SIGTERM.
///
/// Single-threaded: poll() waits on the socket and on a self-pipe that the signal handler writes
/// to, with a timeout up to the service's next deadline. The receive and send buffers are
/// allocated once, before the loop.
public struct SocketRunLoop<Service: DatagramService> {
    public var service: Service
    public let clock = MonotonicClock()

    public init(service: Service) { self.service = service }

    /// Serves until a stop signal arrives; returns the signal number.
    public mutating func run(on socket: borrowing UDPSocket, datagramCapacity: Int) throws(SocketError) -> Int32 {
        let stopPipe = try StopSignals.install()
        defer { StopSignals.uninstall() }

        let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: datagramCapacity, alignment: 8)
        let sendBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: datagramCapacity, alignment: 8)
        defer { receiveBuffer.deallocate(); sendBuffer.deallocate() }

        var fds = [pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopPipe, events: Int16(POLLIN), revents: 0)]
        while true {
            let timeout = StopSignals.pollTimeout(service.nextDeadline().map { $0.since(clock.now()) })
            if let signal = try StopSignals.sleep(&fds, timeout: timeout) {
                return signal
            }
            // Drain the socket: every waiting datagram is answered before the next poll.
            while let (count, source) = socket.receive(into: receiveBuffer) {
                var reply = ByteWriter(sendBuffer)
                let datagram = UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<count])
                if service.receive(datagram, from: source, at: clock.now(), reply: &reply) {
                    socket.send(reply.written, to: source)
                }
            }
            while true {
                var message = ByteWriter(sendBuffer)
                guard let destination = service.nextOutgoing(at: clock.now(), into: &message) else { break }
                socket.send(message.written, to: destination)
            }
            socket.flush()
        }
    }
}

/// SIGINT and SIGTERM as a byte on a pipe: the handler only calls write(2), which is
/// async-signal-safe, and the run loop polls the pipe's read end.
enum StopSignals {
    nonisolated(unsafe) static var writeEnd: Int32 = -1
    nonisolated(unsafe) static var readEnd: Int32 = -1

    static func install() throws(SocketError) -> Int32 {
        var ends: (Int32, Int32) = (-1, -1)
        let rc = withUnsafeMutablePointer(to: &ends) {
            $0.withMemoryRebound(to: Int32.self, capacity: 2) { pipe($0) }
        }
        guard rc == 0 else { throw .system("pipe", errno) }
        for end in [ends.0, ends.1] { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        readEnd = ends.0
        writeEnd = ends.1
        for number in [SIGINT, SIGTERM] {
            signal(number) { received in
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(StopSignals.writeEnd, &byte, 1)
            }
        }
        return readEnd
    }

    /// poll()'s timeout for a deadline `wait` away: whole milliseconds past it (a timer is never
    /// looked at early), at most a minute; -1 (no timeout) for none.
    static func pollTimeout(_ wait: Interval?) -> Int32 {
        guard let wait else { return -1 }
        return Int32(min(wait.microseconds / 1_000 + 1, 60_000))
    }

    /// Sleeps in poll() until `fds[0]` (what the loop serves) is readable, the stop pipe (`fds[1]`)
    /// is, or `timeout` milliseconds have passed. The stop signal's number when one came, else nil.
    static func sleep(_ fds: inout [pollfd], timeout: Int32) throws(SocketError) -> Int32? {
        let ready = poll(&fds, 2, timeout)
        if ready < 0 && errno != EINTR { throw .system("poll", errno) }
        guard fds[1].revents != 0 else { return nil }
        var signal: UInt8 = 0
        _ = read(fds[1].fd, &signal, 1)
        return Int32(signal)
    }

    static func uninstall() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        close(readEnd)
        close(writeEnd)
    }
}
