import LeveeApp
import LeveeBase
import LeveeOTA
import LeveeScheduler
#if canImport(Glibc)
import Glibc
#endif

/// A host network driver as the node's run loop sees it: a descriptor to wait on, datagrams in
/// and out. A UDP socket is one; the node's own stack on raw Ethernet is another.
public protocol HostDatagramDriver: ~Copyable {
    /// What poll() waits on for received datagrams.
    var pollDescriptor: Int32 { get }
    /// The next received datagram, written into `buffer`; nil when none waits.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, source: Endpoint)?
    /// Sends a datagram; a failed send is a lost datagram, as on a real network.
    @discardableResult func send(_ datagram: UnsafeRawBufferPointer, to destination: Endpoint) -> Bool
    /// Sends what `send` queued (a driver that sends at once does nothing).
    func flush()
    /// What `/sys/net` reports: the run loop's socket counters unless the driver runs a stack.
    var networkStatus: NetworkStatusSource { get }
}

extension HostDatagramDriver where Self: ~Copyable {
    public func flush() {}
    public var networkStatus: NetworkStatusSource { .socket(UnsafePointer(HostNode.socketCounters)) }
}

extension UDPSocket: HostDatagramDriver {
    public var pollDescriptor: Int32 { descriptor }
}

/// Runs the node's tasks on the host port of the scheduler until SIGINT or SIGTERM.
///
/// The loop plays the part of the chip's Ethernet MAC and interrupt controller: it moves received
/// datagrams into the node's receive queue and latches the network-receive interrupt, advances the
/// scheduler's clock to the monotonic time (which releases due timers and runs whatever is
/// pending, by priority), and sends what the tasks left in the transmit queue. It sleeps in poll()
/// until a datagram arrives, the next timer is due, or a stop signal comes.
public enum HostNode {
    public typealias Port = HostPort<NodeTasks>

    /// Datagrams the run loop moved (`/sys/net` in socket mode). Allocated once: its address must
    /// not move while the node's resources point at it.
    nonisolated(unsafe) public static let socketCounters: UnsafeMutablePointer<SocketCounters> = {
        let counters = UnsafeMutablePointer<SocketCounters>.allocate(capacity: 1)
        counters.initialize(to: SocketCounters())
        return counters
    }()

    /// Serves with the chip's ADC stub as sensors and the configuration kept in RAM.
    public static func run<Driver: HostDatagramDriver & ~Copyable>(on driver: borrowing Driver,
                                                                   prepare: (inout NodeService) -> Void = { _ in }) throws(SocketError) -> Int32 {
        var sensors = ADCStubDriver()
        var store = VolatileConfigStore()
        return try run(on: driver, sensors: &sensors, store: &store, prepare: prepare)
    }

    /// Serves until a stop signal arrives; returns the signal number. `sensors` is converted when
    /// the node asks for a scan; `store` holds the configuration record (read at boot, written
    /// after every accepted change); field time runs `timeCompression` times faster than the clock.
    /// `prepare` runs once on the service before the first datagram (the slot's flash and keys).
    public static func run<Driver: HostDatagramDriver & ~Copyable, Sensors: SensorDriver, Store: ConfigStore>(
        on driver: borrowing Driver, sensors: inout Sensors, store: inout Store, timeCompression: UInt32 = 1,
        bootEpoch: UInt64? = nil, prepare: (inout NodeService) -> Void = { _ in }) throws(SocketError) -> Int32 {
        let clock = MonotonicClock()
        Port.advanceTime(to: clock.now())
        do throws(SchedulerConfigurationError) {
            try Scheduler<Port>.start()
        } catch {
            throw .scheduler(describe(error))
        }
        let stopPipe = try StopSignals.install()
        defer { StopSignals.uninstall() }

        var fds = [pollfd(fd: driver.pollDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopPipe, events: Int16(POLLIN), revents: 0)]
        let idle = TaskContext<Port>.idle
        let config = NodeConfiguration.load(from: &store, timeCompression: timeCompression)
        let network = driver.networkStatus
        idle.lock(Service.self) { service in
            service.resources.bootTime = clock.now()
            service.resources.groups.first.network = network
            service.resources.withLevee { levee in
                levee.monitor.config = config
                levee.bootEpoch = bootEpoch
            }
            prepare(&service)
        }
        var savedGeneration: UInt32 = 0
        return try withUnsafePointer(to: driver) { driverAddress throws(SocketError) -> Int32 in
            // Long work sees datagrams (taken at the next preemption point, as the chip takes the
            // Ethernet interrupt) through the receive line; every `exchangePoints` points it
            // exchanges anyway (due timers, and a bound when the watcher thread is slow to get a
            // CPU): `exchange` runs the network task (and the CoAP timer) nested, above the
            // sampler and outside every lock that excludes them.
            let watching = ReceiveLine.start(watching: driver.pollDescriptor)
            var points = 0
            exchangeDuringLongWork = {
                let datagrams = watching && ReceiveLine.take()
                if !datagrams {
                    points &+= 1
                    guard points % exchangePoints == 0 else { return }
                }
                var turns = 0
                while turns < 4, exchange(driverAddress.pointee, clock) { turns += 1 }
                if datagrams { ReceiveLine.rearm() }
            }
            Port.setExternalEventSource(pollDuringLongWork, level: NodeTasks.declaration(of: .network).priority)
            GuestPreemption.point = { HostNode.Port.preemptionPoint() }
            defer {
                GuestPreemption.point = nil
                Port.setExternalEventSource(nil, level: 0)
                exchangeDuringLongWork = nil
                if watching { ReceiveLine.stop() }
            }
            while true {
                // Sensors: a scan the scan-start task asked for is converted, then the sampler runs
                // (a few in a row when a high --speed has them due back to back, then the network).
                var scans = 0
                while scans < 8, NodeSensors.convert(&sensors, idle) {
                    Port.advanceTime(to: clock.now())
                    Port.latch(.sensorConversion)
                    Port.advanceTime(to: clock.now())
                    scans += 1
                }
                // A scan waiting for conversion: look at the socket without sleeping.
                let timeout = NodeSensors.scanWaiting(idle) ? 0 : StopSignals.pollTimeout(Port.timeUntilNextTimer())
                if let signal = try StopSignals.sleep(&fds, timeout: timeout) { return signal }
                while exchange(driver, clock) {}
                NodeConfiguration.persist(to: &store, saved: &savedGeneration, idle)
            }
        }
    }

    /// One turn of the MAC: what waits in the socket into the receive queue, the network-receive
    /// interrupt, the replies out. True when the queue filled up (more may wait).
    static func exchange<Driver: HostDatagramDriver & ~Copyable>(_ driver: borrowing Driver, _ clock: MonotonicClock) -> Bool {
        let idle = TaskContext<Port>.idle
        // Receive: fill the queue as a MAC's DMA would, then raise the interrupt.
        let more = idle.lock(ReceiveQueue.self) { queue in
            while !queue.isFull {
                var got = false
                queue.produce { buffer in
                    guard let (count, source) = driver.receive(into: buffer) else { return nil }
                    got = true
                    socketCounters.pointee.datagramsIn &+= 1
                    return (count, source)
                }
                if !got { return false }
            }
            return true   // full: there may be more in the socket
        }
        // The clock first, so the network task is released at the time the datagrams came (not
        // when the loop last woke), then the interrupt.
        Port.advanceTime(to: clock.now())
        Port.latch(.networkReceive)
        Port.preemptionPoint()
        // Transmit; each time the queue is empty the node may fill it again at once (a burst of
        // notifications), within a bound so receiving is never starved.
        var refills = 0
        repeat {
            idle.lock(TransmitQueue.self) { queue in
                while queue.consume({ datagram, destination in
                    if driver.send(datagram, to: destination) {
                        socketCounters.pointee.datagramsOut &+= 1
                    } else {
                        socketCounters.pointee.sendFailures &+= 1
                    }
                }) != nil {}
            }
            refills += 1
        } while refills < transmitRefills && NodeTasks.transmitQueueEmptied(idle)
        driver.flush()
        return more
    }

    /// The MAC's turn inside long work (the slot's module, at the sampler's priority): the port
    /// calls `pollDuringLongWork` at its preemption points, which runs `exchange` on the driver
    /// `run` serves when the receive line is raised or a timer is due. A C function for the core;
    /// the driver's type lives in this closure.
    nonisolated(unsafe) static var exchangeDuringLongWork: (() -> Void)?
    /// How often long work exchanges without the receive line, in preemption points (~80 µs;
    /// the exchange's syscalls cost ~3 µs: about 4 %).
    static let exchangePoints = 16
    /// How many times one MAC turn lets the node refill the transmit queue (4 datagrams each).
    static let transmitRefills = 32
    static let pollDuringLongWork: @convention(c) () -> Void = {
        HostNode.exchangeDuringLongWork?()
    }

    /// The scheduler's refusal of the task set, as text.
    static func describe(_ error: SchedulerConfigurationError) -> String {
        var bytes = [UInt8](repeating: 0, count: 256)
        return bytes.withUnsafeMutableBytes { raw in
            var writer = ByteWriter(raw)
            Scheduler<Port>.describe(error, into: &writer)
            return String(decoding: writer.written, as: UTF8.self)
        }
    }

    /// The static analysis of the node's task set with the measured maxima, as text
    /// (`levee-node --analysis`, and `/sys/tasks`).
    public static func analysis() -> String {
        var bytes = [UInt8](repeating: 0, count: 4096)
        return bytes.withUnsafeMutableBytes { raw in
            var writer = ByteWriter(raw)
            ResponseTimeAnalysis<NodeTasks>.write(into: &writer) { Scheduler<Port>.statistics(of: $0) }
            return String(decoding: writer.written, as: UTF8.self)
        }
    }
}
