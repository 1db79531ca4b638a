import LeveeBase
import LeveeCoAP
import LeveeOTA
import LeveeScheduler

/// Datagram rings between the board's network driver and the node (named parts of the RAM budget).
public enum NodeLimits {
    public typealias ReceiveRing = DatagramRing<4>
    public typealias TransmitRing = DatagramRing<4>
}

/// The node's tasks, RTIC style. The board's network driver fills `ReceiveQueue` and raises the
/// network-receive interrupt; the network task answers every datagram through the CoAP service
/// into `TransmitQueue`, which the driver empties. The CoAP timer task sends what the service
/// wants to send on its own (notifications, retransmissions) when its deadline comes.
///
/// Sensors work like an ADC scan with DMA: the scan-start task, released when the next channels
/// are due, asks for a conversion (`SensorScan`); the board converts the requested channels
/// through its `SensorDriver` (`NodeSensors.convert`, generic over the driver) and raises the
/// sensor-conversion interrupt; the sampler task feeds the readings to the monitor, assesses the
/// risk (`SensorMonitor.assess`), tells the service what changed (a risk level change as a CON
/// notification) and releases the next scan.
public enum NodeTasks: TaskSet {
    public enum Task: UInt8 {
        case network = 0
        case coapTimer = 1
        case scanStart = 2
        case sampler = 3
    }

    public enum Resource: UInt8 {
        case service = 0
        case receiveQueue = 1
        case transmitQueue = 2
        case sensorScan = 3
    }

    public typealias Message = UInt8

    public static let name: StaticString = "levee-node"
    public static let taskCount: UInt8 = 4
    public static let resourceCount: UInt8 = 4
    public static let priorityLevels: UInt8 = 3

    public static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .network:
            // A burst of up to four datagrams, at most every millisecond under load.
            return TaskDeclaration("network", priority: 3, kind: .hardware(.networkReceive),
                                   resources: .of(Resource.service, Resource.receiveQueue, Resource.transmitQueue),
                                   timing: TaskTiming(budget: .microseconds(200), period: .milliseconds(1)))
        case .coapTimer:
            return TaskDeclaration("coap-timer", priority: 2, kind: .software(capacity: 2),
                                   resources: .of(Resource.service, Resource.transmitQueue),
                                   timing: TaskTiming(budget: .microseconds(100), period: .milliseconds(100)))
        case .scanStart:
            // At most one scan per channel period; 10 ms is a minute of field time at x6000.
            return TaskDeclaration("scan-start", priority: 1, kind: .software(capacity: 1),
                                   resources: .of(Resource.sensorScan),
                                   timing: TaskTiming(budget: .microseconds(10), period: .milliseconds(10)))
        case .sampler:
            // The budget is the sampler's own work; a module's call comes on top (up to the slot's
            // fuel per call), preemptible by every other task and holding no lock.
            return TaskDeclaration("sampler", priority: 1, kind: .hardware(.sensorConversion),
                                   resources: .of(Resource.service, Resource.sensorScan),
                                   timing: TaskTiming(budget: .microseconds(400), period: .milliseconds(10)))
        }
    }

    public static func name(of resource: Resource) -> StaticString {
        switch resource {
        case .service: return "coap-service"
        case .receiveQueue: return "receive-queue"
        case .transmitQueue: return "transmit-queue"
        case .sensorScan: return "sensor-scan"
        }
    }

    /// The driver fills the receive queue and empties the transmit queue outside any task, the
    /// board converts sensor scans and sets the node up (boot time, stored configuration) in idle.
    public static var idleResources: ResourceSet {
        ResourceSet(bits: ResourceSet.of(Resource.receiveQueue, Resource.transmitQueue, Resource.sensorScan).bits
                    | ResourceSet.of(Resource.service).bits)
    }

    public static func criticalSection(of task: Task, on resource: Resource) -> Interval {
        switch (task, resource) {
        case (.network, .service): return .microseconds(50)
        case (.coapTimer, .service): return .microseconds(50)
        // Two short sections (the scan in and the module's snapshot out; the result adopted and
        // observers told): the module's call runs between them, unlocked, so it blocks no one.
        case (.sampler, .service): return .microseconds(100)
        default: return .microseconds(5)
        }
    }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        NodeMemory.timerArmedAt = nil
        NodeMemory.dueNowQueued = false
        NodeMemory.transmitBlocked = false
        context.lock(Service.self) { $0.resources.withLevee { $0.attachHistory() } }
        // The first scan: every channel, at field time 0.
        context.lock(SensorScanResource.self) { $0 = SensorScan(requested: ChannelSet(bits: (1 << Channel.count) - 1), seconds: 0) }
        _ = try? context.spawn(.scanStart, 0)
        armTimer(context)
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt8, _ context: TaskContext<Port>)
        where Port.App == Self {
        switch task {
        case .network:
            answerReceived(context)
        case .coapTimer:
            context.lock(Service.self) { _ in
                if message == NodeMemory.dueNow {
                    NodeMemory.dueNowQueued = false
                } else if let armed = NodeMemory.timerArmedAt, armed <= context.scheduled {
                    NodeMemory.timerArmedAt = nil   // the armed timer fired (not a superseded later one)
                }
            }
            sendOwnMessages(context)
        case .scanStart:
            context.lock(SensorScanResource.self) { $0.converting = true }
            return
        case .sampler:
            sample(context)
        }
        armTimer(context)
    }

    /// The sampler's run: the converted scan into the monitor, the risk assessed, observers told,
    /// the next scan released.
    static func sample<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        guard let scan = context.lock(SensorScanResource.self, { scan -> SensorScan? in
            guard scan.complete else { return nil }
            scan.complete = false
            return scan
        }) else { return }
        let statistics = Scheduler<Port>.statistics(of: .sampler)
        var overruns: UInt32 = 0
        var overflows: UInt32 = 0
        for raw in 0..<taskCount {
            guard let task = Task(rawValue: raw) else { continue }
            let s = Scheduler<Port>.statistics(of: task)
            overruns &+= s.deadlineOverruns
            overflows &+= s.queueOverflows
        }
        // The module runs between two short critical sections, with the service lock released
        // (see `SlotResources`, "Who owns the slot"): the network task answers meanwhile.
        var (pending, loan) = context.lock(Service.self) { service -> (PendingAssessment, SlotResources.Loan) in
            (service.resources.withLevee { levee in levee.take(scan) },
             service.resources.withSlot { $0.lend(at: context.now()) })
        }
        let run: SlotRun
        switch loan {
        case .lent:
            run = SlotResources.runLent(&pending.environment, now: pending.environment.now)
        case .kept(let kept):
            run = kept
        }
        let next = context.lock(Service.self) { service -> (SensorScan, Instant) in
            if loan == .lent { service.resources.withSlot { $0.giveBack(run) } }
            let step = service.resources.withLevee { levee in levee.adopt(pending, module: run) }
            for i in 0..<Channel.count where scan.requested.contains(Channel(index: i)) {
                service.resourceChanged(service.resources.index(ofSensor: Channel(index: i)))
            }
            service.resourceChanged(service.resources.sensorsIndex)
            if step.riskChanged {
                service.resourceChanged(service.resources.riskIndex, confirmable: step.levelChanged)
            }
            let counters = service.counters
            return service.resources.withLevee { levee in
                levee.figures.samplerRuns = statistics.runs
                levee.figures.deadlineOverruns = overruns
                levee.figures.queueOverflows = overflows
                levee.figures.requests = counters.requests
                levee.figures.malformed = counters.malformed
                levee.figures.notificationsSent = counters.notificationsSent
                levee.figures.notificationsLost = counters.notificationsLost
                let seconds = levee.monitor.nextSampleDue
                return (SensorScan(requested: levee.monitor.due(at: seconds), seconds: seconds),
                        levee.instant(atFieldSeconds: seconds))
            }
        }
        context.lock(SensorScanResource.self) { $0 = next.0 }
        if (try? context.spawn(at: max(next.1, context.now()), .scanStart, 0)) == nil {
            // The timer queue is full (counted by the scheduler): scan now rather than never.
            _ = try? context.spawn(.scanStart, 0)
        }
    }

    /// Every received datagram through the service; replies into the transmit queue.
    static func answerReceived<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        let now = context.now()
        context.lock(ReceiveQueue.self) { received in
            context.lock(Service.self) { service in
                service.adoptObserveConfiguration()
                context.lock(TransmitQueue.self) { transmit in
                    while received.consume({ datagram, source in
                        transmit.produce { buffer in
                            var reply = ByteWriter(buffer)
                            let answered = service.receive(datagram, from: source, at: now, reply: &reply)
                            return answered ? (reply.count, source) : nil
                        }
                    }) != nil {}
                }
            }
        }
    }

    /// Notifications, retransmissions and separate responses that are due.
    static func sendOwnMessages<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        let now = context.now()
        context.lock(Service.self) { service in
            context.lock(TransmitQueue.self) { transmit in
                var more = true
                while more && !transmit.isFull {
                    transmit.produce { buffer in
                        var message = ByteWriter(buffer)
                        guard let destination = service.nextOutgoing(at: now, into: &message) else {
                            more = false
                            return nil
                        }
                        return (message.count, destination)
                    }
                }
                // Stopped by a full queue: the rest waits until the board has sent it.
                NodeMemory.transmitBlocked = more
            }
        }
    }

    /// The board emptied the transmit queue (a MAC's transmit-complete interrupt). When the CoAP
    /// timer task left messages for lack of room, it runs again now instead of at its retry
    /// (`transmitRetry`), so a burst of notifications goes out at the board's pace and not 4 per
    /// millisecond. True when it ran: the queue may hold more for the board.
    public static func transmitQueueEmptied<Port: SchedulerPort>(_ context: TaskContext<Port>) -> Bool where Port.App == Self {
        let spawned = context.lock(Service.self) { _ -> Bool in
            guard NodeMemory.transmitBlocked, !NodeMemory.dueNowQueued else { return false }
            guard (try? context.spawn(.coapTimer, NodeMemory.dueNow)) != nil else { return false }
            NodeMemory.dueNowQueued = true
            return true
        }
        return spawned   // it ran at the unlock: the timer task's level is above the board's
    }

    /// Queues the CoAP timer task for the service's next deadline, unless an earlier one is queued.
    ///
    /// The scheduler's timer queue (16 entries) cannot cancel an entry, so a superseded one stays
    /// until it fires. To keep them few: what is due now (a change, an alarm) goes straight into
    /// the task's queue, not the timer queue; and no timer is set further than `timerHorizon`
    /// ahead, so a new deadline (a retransmission, 2 s or more away) is never earlier than the one
    /// armed and supersedes nothing. The price is one empty run a second while observers exist.
    /// All under the service lock: a task below the CoAP timer's priority (the sampler) would
    /// otherwise be preempted inside `spawn` by the timer task it just released.
    static func armTimer<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        context.lock(Service.self) { service in
            guard var deadline = service.nextDeadline() else { return }
            let now = context.now()
            if deadline <= now && NodeMemory.transmitBlocked {
                // Due, but the transmit queue is full: try again once the board has emptied it
                // (the timer is released at its next turn, never inside this one).
                deadline = now + NodeMemory.transmitRetry
            }
            if deadline <= now {
                guard !NodeMemory.dueNowQueued else { return }
                if (try? context.spawn(.coapTimer, NodeMemory.dueNow)) != nil { NodeMemory.dueNowQueued = true }
                return
            }
            let at = min(deadline, now + NodeMemory.timerHorizon)
            if let armed = NodeMemory.timerArmedAt, armed <= at { return }
            if (try? context.spawn(at: at, .coapTimer, 0)) != nil {
                NodeMemory.timerArmedAt = at
            }
        }
    }
}

/// The node's timer bookkeeping; touched only by the node's tasks (all inside the service lock's
/// ceiling or at init).
enum NodeMemory {
    /// When the CoAP timer task is queued for (nil: not queued).
    nonisolated(unsafe) static var timerArmedAt: Instant?
    /// The CoAP timer task is queued to run now (message `dueNow`), outside the timer queue.
    nonisolated(unsafe) static var dueNowQueued = false
    static let dueNow: UInt8 = 1
    /// The last run of the CoAP timer task left messages for lack of room in the transmit queue.
    nonisolated(unsafe) static var transmitBlocked = false
    static let transmitRetry = Interval.milliseconds(1)
    /// The furthest ahead the CoAP timer is set (see `armTimer`).
    static let timerHorizon = Interval.seconds(1)
}

/// The node's shared resources: static storage (counted by the budget), reachable only through
/// `TaskContext.lock`.
public enum Service: SharedResource {
    public typealias App = NodeTasks
    nonisolated(unsafe) public static var storage = Shared(NodeTasks.Resource.service, NodeService(bootTime: .zero))
}

public enum ReceiveQueue: SharedResource {
    public typealias App = NodeTasks
    nonisolated(unsafe) public static var storage = Shared(NodeTasks.Resource.receiveQueue, NodeLimits.ReceiveRing())
}

/// The sensor scan between the tasks and the board's converter (`SensorScan`).
public enum SensorScanResource: SharedResource {
    public typealias App = NodeTasks
    nonisolated(unsafe) public static var storage = Shared(NodeTasks.Resource.sensorScan, SensorScan())
}

public enum TransmitQueue: SharedResource {
    public typealias App = NodeTasks
    nonisolated(unsafe) public static var storage = Shared(NodeTasks.Resource.transmitQueue, NodeLimits.TransmitRing())
}
