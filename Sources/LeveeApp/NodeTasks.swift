import LeveeBase
import LeveeCoAP
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
public enum NodeTasks: TaskSet {
    public enum Task: UInt8 {
        case network = 0
        case coapTimer = 1
    }

    public enum Resource: UInt8 {
        case service = 0
        case receiveQueue = 1
        case transmitQueue = 2
    }

    public typealias Message = UInt8

    public static let name: StaticString = "levee-node"
    public static let taskCount: UInt8 = 2
    public static let resourceCount: UInt8 = 3
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
        }
    }

    public static func name(of resource: Resource) -> StaticString {
        switch resource {
        case .service: return "coap-service"
        case .receiveQueue: return "receive-queue"
        case .transmitQueue: return "transmit-queue"
        }
    }

    /// The driver fills the receive queue and empties the transmit queue outside any task.
    public static var idleResources: ResourceSet { .of(Resource.receiveQueue, Resource.transmitQueue) }

    public static func criticalSection(of task: Task, on resource: Resource) -> Interval {
        switch (task, resource) {
        case (.network, .service): return .microseconds(50)
        case (.coapTimer, .service): return .microseconds(50)
        default: return .microseconds(5)
        }
    }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        NodeMemory.timerArmedAt = nil
        armTimer(context)
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt8, _ context: TaskContext<Port>)
        where Port.App == Self {
        switch task {
        case .network:
            answerReceived(context)
        case .coapTimer:
            NodeMemory.timerArmedAt = nil
            sendOwnMessages(context)
        }
        armTimer(context)
    }

    /// Every received datagram through the service; replies into the transmit queue.
    static func answerReceived<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        let now = context.now()
        context.lock(ReceiveQueue.self) { received in
            context.lock(Service.self) { service in
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
            }
        }
    }

    /// Queues the CoAP timer task for the service's next deadline, unless an earlier one is queued.
    static func armTimer<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        guard let deadline = context.lock(Service.self, { $0.nextDeadline() }) else { return }
        if let armed = NodeMemory.timerArmedAt, armed <= deadline { return }
        if (try? context.spawn(at: deadline, .coapTimer, 0)) != nil {
            NodeMemory.timerArmedAt = deadline
        }
    }
}

/// The node's timer bookkeeping; touched only by the node's tasks (all inside the service lock's
/// ceiling or at init).
enum NodeMemory {
    /// When the CoAP timer task is queued for (nil: not queued).
    nonisolated(unsafe) static var timerArmedAt: Instant?
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

public enum TransmitQueue: SharedResource {
    public typealias App = NodeTasks
    nonisolated(unsafe) public static var storage = Shared(NodeTasks.Resource.transmitQueue, NodeLimits.TransmitRing())
}
