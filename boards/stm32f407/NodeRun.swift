// The node's own task set (NodeTasks) on the Cortex-M port, as the Linux board runs it
// (HostNode): the ADC stub converts the scans the scan-start task asks for, and a scripted client
// plays the Ethernet MAC's part. It writes CoAP requests into the node's receive queue and pends
// the MAC's interrupt (ETH, IRQ 61) in the NVIC; that ISR raises the network-receive hardware task,
// as the real driver's will. The replies the network and CoAP timer tasks leave in the transmit
// queue are parsed with the CoAP codec and checked against the script.
import LeveeBase
import LeveeCoAP
import LeveeApp
import LeveeScheduler

typealias NodePort = CortexMPort<NodeTasks>

/// The peripheral interrupts the node's hardware tasks hang off.
enum NodeIRQ {
    static let adc: UInt32 = 18        // ADC1/2/3 global: a scan's conversions are done
    static let ethernet: UInt32 = 61   // ETH global: the MAC's DMA received frames
    static let icer: UInt32 = 0xE000_E180   // NVIC clear-enable registers

    /// The ISRs only pend their hardware task: above every task level, so a lock never delays
    /// the pend itself (the task still waits for the ceiling, as SRP wants).
    static func enable() {
        each { irq in
            CortexM.setPriority(irq: irq, CortexM.hardwarePriority(CortexM.timerLevel))
            levee_mmio_write32(CortexM.iser &+ (irq / 32) &* 4, 1 &<< (irq % 32))
        }
    }

    static func disable() {
        each { irq in levee_mmio_write32(icer &+ (irq / 32) &* 4, 1 &<< (irq % 32)) }
        levee_dsb()
        levee_isb()
    }

    static func each(_ body: (UInt32) -> Void) {
        body(adc)
        body(ethernet)
    }

    /// What the peripheral does when it has something: its pending bit in the NVIC.
    static func raise(_ irq: UInt32) {
        levee_mmio_write32(CortexM.stir, irq)
        levee_dsb()
        levee_isb()
    }
}

@c(ETH_IRQHandler) public func ETH_IRQHandler() {
    if activeScenario == .node { Scheduler<NodePort>.interrupt(.networkReceive) }
}
@c(ADC_IRQHandler) public func ADC_IRQHandler() {
    if activeScenario == .node { Scheduler<NodePort>.interrupt(.sensorConversion) }
}

/// One request of the script and what its reply must be.
struct ScriptedRequest {
    var type: MessageType
    var token: UInt8
    /// Uri-Path segments ("" = absent).
    var path: (StaticString, StaticString)
    var observe: UInt32? = nil
    var accept: UInt16? = nil
    /// A Block2 option value (block number, more, szx) asking for one block.
    var block2: UInt32? = nil
    var expect: Code
    var payloadPrefix: StaticString
    /// Sent only once the observer has had this many notifications.
    var afterNotifications: UInt32 = 0
}

enum NodeRun {
    /// Field seconds per node second for this run: a 60 s channel period is 100 ms of SysTick
    /// time, so the sampler runs several periods in a second of emulation.
    static let timeCompression: UInt32 = 600
    static let client = Endpoint(ipv4: 0x0A4D_0001, port: 40_000)   // 10.77.0.1
    static let observeToken: UInt8 = 0x07
    /// What the run waits for after the script: sampler periods (two after the deregistration,
    /// so a notification sent to a cancelled observer would show).
    static let samplerRunsWanted: UInt32 = 7
    /// The run fails rather than waits longer than this (node time).
    static let limit = Instant(microseconds: 3_000_000)
    /// Between one reply and the next request, so sampling interleaves with the requests.
    static let gap = Interval.milliseconds(5)

    static let script: InlineArray<9, ScriptedRequest> = [
        ScriptedRequest(type: .confirmable, token: 0x01, path: (".well-known", "core"), expect: .content, payloadPrefix: "<"),
        ScriptedRequest(type: .confirmable, token: 0x02, path: ("sys", "uptime"), expect: .content, payloadPrefix: "0"),
        ScriptedRequest(type: .confirmable, token: 0x03, path: ("sensors", "stage"), expect: .content, payloadPrefix: "[{"),
        ScriptedRequest(type: .confirmable, token: 0x04, path: ("risk", ""), accept: ContentFormat.textPlain,
                        expect: .content, payloadPrefix: "normal"),
        ScriptedRequest(type: .nonConfirmable, token: 0x05, path: ("health", ""), expect: .content, payloadPrefix: "["),
        ScriptedRequest(type: .confirmable, token: 0x06, path: ("test", "blob"),
                        block2: BlockOption(number: 1, more: false, szx: 2).value, expect: .content, payloadPrefix: "bcd"),
        ScriptedRequest(type: .confirmable, token: 0x08, path: ("no", "such"), expect: .notFound, payloadPrefix: ""),
        ScriptedRequest(type: .confirmable, token: observeToken, path: ("sensors", "stage"), observe: 0,
                        expect: .content, payloadPrefix: "[{"),
        // Deregistration (RFC 7641 §3.6): a plain response, and no notification after it.
        ScriptedRequest(type: .nonConfirmable, token: observeToken, path: ("sensors", "stage"), observe: 1,
                        expect: .content, payloadPrefix: "[{", afterNotifications: 3),
    ]

    /// Starts the node's scheduler, runs `bootChecks` on its node (in idle, under the service
    /// lock), plays the script, waits for sampling and notifications; returns the number of
    /// failed checks.
    static func run<Output: Console>(
        _ console: inout Output, bootChecks: (inout NodeService, inout Output) -> UInt32) -> UInt32 {
        console.write("node: NodeTasks on the Cortex-M port, ADC stub sensors, scripted MAC; field time x")
        console.write(decimal: UInt64(widening: timeCompression))
        console.write("\n")
        activeScenario = .node
        NodePort.resetTime()
        do throws(SchedulerConfigurationError) {
            try Scheduler<NodePort>.start()
        } catch {
            console.write("node: FAIL the scheduler refused the task set\n")
            activeScenario = .none
            return 1
        }
        let idle = TaskContext<NodePort>.idle
        var failures = idle.lock(Service.self) { bootChecks(&$0, &console) }
        var sensors = ADCStubDriver()
        var store = VolatileConfigStore()
        var savedGeneration: UInt32 = 0
        let config = NodeConfiguration.load(from: &store, timeCompression: timeCompression)
        idle.lock(Service.self) { service in
            service.resources.bootTime = NodePort.now()
            service.resources.withLevee { $0.monitor.config = config }
        }
        NodeIRQ.enable()
        SysTickMonotonic.start(tick: .milliseconds(1))

        var next = 0                      // the next script entry to send
        var awaiting = false              // its reply has not come yet
        var sendAt = NodePort.now()
        var notifications: UInt32 = 0
        var observing = true              // until the deregistration is answered
        var messageID: UInt16 = 0x1000
        while true {
            // Sensors: convert what the scan-start task asked for, then the ADC's interrupt.
            while NodeSensors.convert(&sensors, idle) { NodeIRQ.raise(NodeIRQ.adc) }
            let now = NodePort.now()
            if !awaiting && next < script.count && now >= sendAt && notifications >= script[next].afterNotifications {
                messageID &+= 1
                if send(script[next], messageID: messageID, idle) {
                    awaiting = true
                    NodeIRQ.raise(NodeIRQ.ethernet)
                } else {
                    console.write("node: FAIL the receive queue refused a request\n")
                    failures += 1
                    next += 1
                }
            }
            // The MAC's transmit side: every reply the tasks left, checked.
            idle.lock(TransmitQueue.self) { queue in
                while queue.consume({ (datagram, destination) -> Void in
                    let kind = classify(datagram, destination, awaiting: awaiting ? next : nil, messageID: messageID, &console)
                    switch kind {
                    case .reply(let ok):
                        if !ok { failures += 1 }
                        if script[next].observe == 1 { observing = false }
                        awaiting = false
                        next += 1
                        sendAt = NodePort.now() + gap
                    case .notification(let ok, let confirmable, let id):
                        if ok && observing { notifications &+= 1 } else { failures += 1 }
                        if !observing { console.write("node: FAIL a notification after the deregistration\n") }
                        if confirmable { acknowledge(id, idle) }
                    case .unexpected:
                        failures += 1
                    }
                }) != nil {}
            }
            NodeConfiguration.persist(to: &store, saved: &savedGeneration, idle)

            let samplerRuns = Scheduler<NodePort>.statistics(of: .sampler).runs
            if next >= script.count && samplerRuns >= samplerRunsWanted { break }
            if NodePort.now() > limit {
                console.write("node: FAIL timed out (script step ")
                console.write(decimal: UInt64(widening: UInt32(truncatingIfNeeded: next)))
                console.write(", sampler runs ")
                console.write(decimal: UInt64(widening: samplerRuns))
                console.write(", notifications ")
                console.write(decimal: UInt64(widening: notifications))
                console.write(")\n")
                failures += 1
                break
            }
            sleep(until: sendAt, scriptWaiting: !awaiting && next < script.count
                  && notifications >= script[next].afterNotifications, idle)
        }
        SysTickMonotonic.stop()
        NodeIRQ.disable()
        failures += summary(notifications, &console)
        activeScenario = .none
        console.write(failures == 0 ? "node run: PASS\n" : "node run: FAIL\n")
        return failures
    }

    /// Sleeps in `wfi` unless there is work for idle. Interrupts are masked from the check to the
    /// `wfi` (which still wakes on a pending one), so a scan asked for in between is not slept over.
    static func sleep(until sendAt: Instant, scriptWaiting: Bool, _ idle: TaskContext<NodePort>) {
        levee_disable_interrupts()
        let busy = NodeSensors.scanWaiting(idle) || idle.lock(TransmitQueue.self, { !$0.isEmpty })
            || (scriptWaiting && NodePort.now() >= sendAt)
        if !busy { NodePort.waitForInterrupt() }
        levee_enable_interrupts()
        levee_isb()
    }

    /// Writes a script entry into the receive queue, as the MAC's receive DMA would.
    static func send(_ request: ScriptedRequest, messageID: UInt16, _ idle: TaskContext<NodePort>) -> Bool {
        idle.lock(ReceiveQueue.self) { queue in
            queue.produce { buffer in
                var builder = MessageBuilder(buffer)
                var token = request.token
                withUnsafeBytes(of: &token) {
                    builder.header(type: request.type, code: .get, messageID: messageID, token: $0)
                }
                if let observe = request.observe { builder.option(OptionNumber.observe, uint: observe) }
                builder.option(OptionNumber.uriPath, request.path.0)
                if request.path.1.utf8CodeUnitCount > 0 { builder.option(OptionNumber.uriPath, request.path.1) }
                if let accept = request.accept { builder.option(OptionNumber.accept, uint: UInt32(accept)) }
                if let block2 = request.block2 { builder.option(OptionNumber.block2, uint: block2) }
                return builder.isValid ? (builder.written.count, client) : nil
            }
        }
    }

    /// A client's empty ACK for a confirmable notification.
    static func acknowledge(_ messageID: UInt16, _ idle: TaskContext<NodePort>) {
        let queued = idle.lock(ReceiveQueue.self) { queue in
            queue.produce { buffer in
                var builder = MessageBuilder(buffer)
                builder.header(type: .acknowledgement, code: .empty, messageID: messageID,
                               token: UnsafeRawBufferPointer(start: nil, count: 0))
                return builder.isValid ? (builder.written.count, client) : nil
            }
        }
        if queued { NodeIRQ.raise(NodeIRQ.ethernet) }
    }

    enum Outgoing {
        case reply(ok: Bool)
        case notification(ok: Bool, confirmable: Bool, messageID: UInt16)
        case unexpected
    }

    /// Parses what the node sent and checks it: the reply to script entry `awaited` (sent with
    /// `messageID`), or a notification to the observer. Prints one trace line.
    static func classify<Output: Console>(_ datagram: UnsafeRawBufferPointer, _ destination: Endpoint,
                                          awaiting awaited: Int?, messageID: UInt16, _ console: inout Output) -> Outgoing {
        let message: MessageView
        do throws(ParseError) {
            message = try MessageView.parse(datagram)
        } catch {
            console.write("node: FAIL the node sent an unparsable datagram\n")
            return .unexpected
        }
        let token: UInt8? = message.token.count == 1 ? message.token[0] : nil
        let toClient = destination == client
        // A reply is piggybacked on the ACK of a CON request, a NON answers a NON request; a
        // notification is a NON or CON with the observer's token.
        if let awaited, token == script[awaited].token,
           message.type == .acknowledgement || (script[awaited].type == .nonConfirmable && message.type == .nonConfirmable
                                                && !(script[awaited].observe == 1 && message.has(OptionNumber.observe))) {
            let request = script[awaited]
            // A piggybacked reply carries the request's message ID; a NON reply its own.
            var ok = toClient && message.code == request.expect
                && (request.type == .confirmable ? message.type == .acknowledgement && message.messageID == messageID
                                                 : message.type == .nonConfirmable)
                && hasPrefix(message.payload, request.payloadPrefix)
            if let asked = request.block2 {
                let expected = BlockOption(number: asked >> 4, more: true, szx: UInt8(truncatingIfNeeded: asked & 7))
                ok = ok && message.block(OptionNumber.block2) == .present(expected)
            }
            if let observe = request.observe { ok = ok && message.has(OptionNumber.observe) == (observe == 0) }
            console.write("node: t="); console.write(decimal: NodePort.now().microseconds / 1_000)
            console.write(" ms "); write(request.type, &console)
            console.write(" GET /"); console.write(request.path.0)
            if request.path.1.utf8CodeUnitCount > 0 { console.write("/"); console.write(request.path.1) }
            if let observe = request.observe { console.write(observe == 0 ? " observe" : " deregister") }
            if let block2 = request.block2 { console.write(" block2="); console.write(decimal: UInt64(widening: block2 >> 4)) }
            console.write(" tok="); console.write(decimal: UInt64(widening: request.token))
            console.write(" -> "); write(message.type, &console); console.write(" "); write(message.code, &console)
            console.write(" "); writePayload(message.payload, &console)
            console.write(ok ? " ok\n" : " FAIL\n")
            return .reply(ok: ok)
        }
        if token == observeToken && message.type != .acknowledgement && message.has(OptionNumber.observe) {
            let ok = toClient && message.code == .content && hasPrefix(message.payload, "[{")
            console.write("node: t="); console.write(decimal: NodePort.now().microseconds / 1_000)
            console.write(" ms notification "); write(message.type, &console)
            console.write(" "); write(message.code, &console)
            console.write(" tok="); console.write(decimal: UInt64(widening: observeToken))
            console.write(" obs="); console.write(decimal: UInt64(widening: message.uint(OptionNumber.observe) ?? 0))
            console.write(" "); writePayload(message.payload, &console)
            console.write(ok ? " ok\n" : " FAIL\n")
            return .notification(ok: ok, confirmable: message.type == .confirmable, messageID: message.messageID)
        }
        console.write("node: FAIL unexpected "); write(message.type, &console)
        console.write(" "); write(message.code, &console); console.write("\n")
        return .unexpected
    }

    static func write<Output: Console>(_ type: MessageType, _ console: inout Output) {
        switch type {
        case .confirmable: console.write("CON")
        case .nonConfirmable: console.write("NON")
        case .acknowledgement: console.write("ACK")
        case .reset: console.write("RST")
        }
    }

    /// A code as CoAP writes it: 2.05.
    static func write<Output: Console>(_ code: Code, _ console: inout Output) {
        console.write(decimal: UInt64(widening: code.codeClass))
        console.write(code.detail < 10 ? ".0" : ".")
        console.write(decimal: UInt64(widening: code.detail))
    }

    /// The first bytes of a payload, quoted, non-printable bytes as '.'.
    static func writePayload<Output: Console>(_ payload: UnsafeRawBufferPointer, _ console: inout Output) {
        var excerpt = InlineArray<26, UInt8>(repeating: 0x22)   // '"' ... '"'
        let n = min(payload.count, 24)
        for i in 0..<n {
            let byte = payload[i]
            excerpt[i + 1] = byte >= 0x20 && byte < 0x7F ? byte : 0x2E
        }
        withUnsafeBytes(of: excerpt) { console.write(UnsafeRawBufferPointer(rebasing: $0[0..<(n + 2)])) }
        if payload.count > n { console.write("...") }
    }

    static func hasPrefix(_ payload: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { p in
            guard payload.count >= p.count else { return false }
            for i in 0..<p.count where payload[i] != p[i] { return false }
            return true
        }
    }

    /// The tasks' figures and the scheduler's health; fails on a misuse, a full queue or timer queue.
    static func summary<Output: Console>(_ notifications: UInt32, _ console: inout Output) -> UInt32 {
        var failures: UInt32 = 0
        for raw in 0..<NodeTasks.taskCount {
            guard let task = NodeTasks.Task(rawValue: raw) else { continue }
            let s = Scheduler<NodePort>.statistics(of: task)
            console.write("node: task "); console.write(NodeTasks.declaration(of: task).name)
            console.write(" runs "); console.write(decimal: UInt64(widening: s.runs))
            console.write(" longest "); console.write(decimal: s.longestRun)
            console.write(" us overruns "); console.write(decimal: UInt64(widening: s.deadlineOverruns))
            console.write(" queue overflows "); console.write(decimal: UInt64(widening: s.queueOverflows))
            console.write("\n")
            // Overruns are reported, not failed: the emulator's instruction clock is not the chip's.
            failures += s.queueOverflows == 0 ? 0 : 1
        }
        let misuses = Scheduler<NodePort>.misuses
        let timerOverflows = Scheduler<NodePort>.timerOverflows
        console.write("node: notifications "); console.write(decimal: UInt64(widening: notifications))
        console.write(", scheduler misuses "); console.write(decimal: UInt64(widening: misuses))
        console.write(", timer overflows "); console.write(decimal: UInt64(widening: timerOverflows))
        console.write("\n")
        if misuses != 0 || timerOverflows != 0 { failures += 1 }
        return failures
    }
}
