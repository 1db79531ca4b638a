import CLinux
import Glibc
import Histogram
import LeveeBase
import LeveeCoAP
import Synchronization

/// Nanoseconds on the monotonic clock.
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// State shared by the workers of one run: the request budget and live totals for the progress line.
final class LoadShared: Sendable {
    let issued = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
    let lost = Atomic<Int>(0)
}

/// One thread's share of the clients, driven by an epoll loop.
final class LoadWorker: @unchecked Sendable {
    static let ackTimeout: UInt64 = 2_000_000_000
    static let maxRetransmit = 4
    /// How often deadlines are scanned: retransmission timeouts are seconds, so 5 ms is plenty.
    static let deadlineScan: UInt64 = 5_000_000

    let plan: LoadPlan
    let shared: LoadShared
    private(set) var clients: [LoadClient] = []
    private(set) var counters = LoadCounters()
    /// Request latency in microseconds.
    private(set) var latency = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    private let epoll: Int32
    private let pathSegments: [[UInt8]]
    private let querySegments: [[UInt8]]
    private var generator = SystemRandomNumberGenerator()
    private var receiveBuffer = [UInt8](repeating: 0, count: 2048)
    private var ackBuffer = [UInt8](repeating: 0, count: 64)

    init(plan: LoadPlan, clientIndices: Range<Int>, shared: LoadShared) throws(LoadError) {
        self.plan = plan
        self.shared = shared
        let (path, query) = Self.split(plan.path)
        pathSegments = path
        querySegments = query
        epoll = epoll_create1(0)
        guard epoll >= 0 else { throw .system("epoll_create1", errno) }
        var generator = SystemRandomNumberGenerator()
        for index in clientIndices {
            let fd = try LoadSocket.connected(host: plan.host, port: plan.port)
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.u32 = UInt32(clients.count)
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else { throw .system("epoll_ctl", errno) }
            clients.append(LoadClient(descriptor: fd, index: UInt32(index),
                                      firstMessageID: UInt16.random(in: 0...UInt16.max, using: &generator)))
        }
    }

    deinit {
        for client in clients { close(client.descriptor) }
        close(epoll)
    }

    /// Runs until no new request may be issued (after `stopIssuing`, or when the shared request
    /// budget is spent) and every request is answered or lost, or until `giveUp`.
    func run(stopIssuing: UInt64, giveUp: UInt64) {
        for i in clients.indices { issueNext(i, now: monotonicNanoseconds(), stopIssuing: stopIssuing) }
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var nextScan = monotonicNanoseconds() &+ Self.deadlineScan
        while true {
            let now = monotonicNanoseconds()
            if now >= giveUp { break }
            if now >= nextScan {
                scanDeadlines(now: now, stopIssuing: stopIssuing)
                nextScan = now &+ Self.deadlineScan
                if !clients.contains(where: { $0.outstanding && !$0.observing })
                    && (now >= stopIssuing || budgetSpent) {
                    break
                }
            }
            let ready = epoll_wait(epoll, &events, Int32(events.count), 5)
            if ready <= 0 { continue }
            for e in 0..<Int(ready) {
                drain(client: Int(events[e].data.u32), stopIssuing: stopIssuing)
            }
        }
        for i in clients.indices where clients[i].outstanding && !clients[i].observing {
            counters.unfinished += 1
            clients[i].outstanding = false
        }
        cancelObservations()
    }

    private var budgetSpent: Bool {
        guard let limit = plan.requestCount else { return false }
        return shared.issued.load(ordering: .relaxed) >= limit
    }

    // MARK: - Sending

    private func issueNext(_ i: Int, now: UInt64, stopIssuing: UInt64) {
        guard now < stopIssuing, !clients[i].observing, !clients[i].observeRefused else { return }
        if let limit = plan.requestCount {
            guard shared.issued.wrappingAdd(1, ordering: .relaxed).oldValue < limit else { return }
        } else {
            shared.issued.wrappingAdd(1, ordering: .relaxed)
        }
        let operation = plan.operation(client: Int(clients[i].index), request: Int(clients[i].issued))
        clients[i].prepare(operation, plan: plan, pathSegments: pathSegments, querySegments: querySegments)
        clients[i].outstanding = true
        clients[i].firstSent = now
        let confirmable = plan.confirmable || operation == .observe
        if confirmable && plan.retransmit {
            // ACK_TIMEOUT × a random factor in [1, ACK_RANDOM_FACTOR = 1.5] (RFC 7252 §4.8).
            clients[i].timeout = Self.ackTimeout &+ UInt64.random(in: 0...Self.ackTimeout / 2, using: &generator)
        } else {
            clients[i].timeout = UInt64(plan.timeout * 1e9)
        }
        clients[i].deadline = now &+ clients[i].timeout
        counters.sent += 1
        transmit(i)
    }

    private func transmit(_ i: Int) {
        let length = clients[i].requestLength
        _ = clients[i].request.withUnsafeBytes { send(clients[i].descriptor, $0.baseAddress, length, 0) }
    }

    /// RFC 7252 retransmission with doubling timeouts; past MAX_RETRANSMIT (or with retransmission
    /// off) the request is lost.
    private func scanDeadlines(now: UInt64, stopIssuing: UInt64) {
        for i in clients.indices where clients[i].outstanding && !clients[i].observing && now >= clients[i].deadline {
            let confirmable = plan.confirmable || clients[i].operation == .observe
            if confirmable && plan.retransmit && !clients[i].acknowledged
                && clients[i].retransmissions < Self.maxRetransmit {
                clients[i].retransmissions += 1
                clients[i].timeout &*= 2
                clients[i].deadline = now &+ clients[i].timeout
                counters.retransmissions += 1
                transmit(i)
            } else {
                clients[i].outstanding = false
                counters.lost += 1
                shared.lost.wrappingAdd(1, ordering: .relaxed)
                issueNext(i, now: now, stopIssuing: stopIssuing)
            }
        }
    }

    // MARK: - Receiving

    private func drain(client i: Int, stopIssuing: UInt64) {
        while true {
            let n = receiveBuffer.withUnsafeMutableBytes {
                recv(clients[i].descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            }
            guard n > 0 else { return }
            let now = monotonicNanoseconds()
            receiveBuffer.withUnsafeBytes { raw in
                handle(UnsafeRawBufferPointer(rebasing: raw[0..<n]), client: i, now: now, stopIssuing: stopIssuing)
            }
        }
    }

    private func handle(_ datagram: UnsafeRawBufferPointer, client i: Int, now: UInt64, stopIssuing: UInt64) {
        let message: MessageView
        do throws(ParseError) {
            message = try MessageView.parse(datagram)
        } catch {
            counters.malformed += 1
            return
        }
        let matchesMessageID = message.messageID == clients[i].messageID
        switch message.type {
        case .reset:
            if clients[i].outstanding && matchesMessageID {
                counters.resets += 1
                complete(i, code: nil, now: now, stopIssuing: stopIssuing)
            }
            return
        case .acknowledgement where message.code.isEmpty:
            if clients[i].outstanding && matchesMessageID {
                // Separate response follows; wait for it up to the exchange lifetime.
                clients[i].acknowledged = true
                clients[i].deadline = clients[i].firstSent &+ 247_000_000_000
            }
            return
        case .confirmable:
            acknowledge(message.messageID, client: i)
        default:
            break
        }
        guard message.code.codeClass >= 2 else { counters.malformed += 1; return }
        guard message.token.count == 8 else { counters.malformed += 1; return }
        var token: UInt64 = 0
        for byte in message.token { token = token << 8 | UInt64(byte) }
        if clients[i].outstanding && token == clients[i].currentToken {
            if clients[i].operation == .observe && message.first(OptionNumber.observe) != nil {
                clients[i].observing = true
            } else if clients[i].operation == .observe && message.code.codeClass == 2 {
                clients[i].observeRefused = true
                counters.observeRefused += 1
            }
            complete(i, code: message.code, now: now, stopIssuing: stopIssuing)
        } else if clients[i].observing && token == clients[i].currentToken {
            counters.notifications += 1
            clients[i].notifications += 1
            if clients[i].notifications == 1 { counters.observersNotified += 1 }
        } else {
            counters.duplicates += 1
        }
    }

    private func complete(_ i: Int, code: Code?, now: UInt64, stopIssuing: UInt64) {
        clients[i].outstanding = false
        _ = latency.record((now &- clients[i].firstSent) / 1_000)
        counters.completed += 1
        switch code?.codeClass {
        case 2: counters.success += 1
        case 4: counters.clientErrors += 1
        case 5: counters.serverErrors += 1
        default: break
        }
        shared.completed.wrappingAdd(1, ordering: .relaxed)
        issueNext(i, now: now, stopIssuing: stopIssuing)
    }

    private func acknowledge(_ messageID: UInt16, client i: Int) {
        let length = ackBuffer.withUnsafeMutableBytes { buffer in
            var builder = MessageBuilder(buffer)
            builder.header(type: .acknowledgement, code: .empty, messageID: messageID,
                           token: UnsafeRawBufferPointer(start: nil, count: 0))
            return builder.written.count
        }
        _ = ackBuffer.withUnsafeBytes { send(clients[i].descriptor, $0.baseAddress, length, 0) }
    }

    /// Deregisters observers with a GET Observe=1 (RFC 7641 §3.6), so the server frees the slots.
    private func cancelObservations() {
        for i in clients.indices where clients[i].observing {
            clients[i].prepareDeregistration(pathSegments: pathSegments, querySegments: querySegments)
            transmit(i)
            clients[i].observing = false
        }
    }

    static func split(_ path: String) -> (path: [[UInt8]], query: [[UInt8]]) {
        let parts = path.split(separator: "?", maxSplits: 1)
        let segments = (parts.first ?? "").split(separator: "/").map { Array($0.utf8) }
        let query = parts.count > 1 ? parts[1].split(separator: "&").map { Array($0.utf8) } : []
        return (segments, query)
    }
}
