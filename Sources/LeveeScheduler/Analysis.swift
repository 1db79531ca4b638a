import LeveeBase

/// Response-time analysis of a task set under SRP (the note's formulas), from its declarations:
/// ceiling(r) = max priority of r's users; B_i = the longest critical section of a lower task on a
/// resource whose ceiling reaches P_i; R_i = C_i + B_i + Σ_{P_j ≥ P_i, j ≠ i} ⌈R_i / T_j⌉·C_j iterated
/// from C_i + B_i until it settles or passes D_i; U = Σ C_i / T_i.
///
/// Tasks without declared timing (period 0) are left out of the sums and shown without R.
public enum ResponseTimeAnalysis<App: TaskSet> {
    public struct Row: Equatable {
        public var blocking: UInt64
        /// The response time; when not schedulable, the first value of the iteration past D.
        public var response: UInt64
        public var schedulable: Bool
        /// D − R, negative when the deadline is missed.
        public var slack: Int64

        public init(blocking: UInt64, response: UInt64, schedulable: Bool, slack: Int64) {
            self.blocking = blocking
            self.response = response
            self.schedulable = schedulable
            self.slack = slack
        }
    }

    public static func blocking(of task: App.Task) -> UInt64 {
        let p = App.declaration(of: task).priority
        var longest: UInt64 = 0
        forEachTask { lower, d in
            guard d.priority < p else { return }
            var r: UInt8 = 0
            while r < App.resourceCount {
                if let resource = App.Resource(rawValue: r), d.resources.contains(raw: r),
                   TaskSetFacts<App>.ceiling(of: r) >= p {
                    let length = App.criticalSection(of: lower, on: resource).microseconds
                    if length > longest { longest = length }
                }
                r &+= 1
            }
        }
        return longest
    }

    public static func analyse(_ task: App.Task) -> Row {
        let me = App.declaration(of: task)
        let c = me.timing.budget.microseconds
        let d = me.timing.deadline.microseconds
        let b = blocking(of: task)
        var response = c &+ b
        while true {
            var next = c &+ b
            forEachTask { other, o in
                guard other.rawValue != task.rawValue, o.priority >= me.priority, o.timing.isDeclared else { return }
                let t = o.timing.period.microseconds
                next &+= (response + t - 1) / t &* o.timing.budget.microseconds
            }
            if next == response || next > d { response = next; break }
            response = next
        }
        let schedulable = response <= d
        return Row(blocking: b, response: response, schedulable: schedulable,
                   slack: Int64(bitPattern: d) &- Int64(bitPattern: response))
    }

    /// U in parts per million (0.85 = 850_000).
    public static func utilisationPPM() -> UInt64 {
        var sum: UInt64 = 0
        forEachTask { _, d in
            guard d.timing.isDeclared else { return }
            sum &+= d.timing.budget.microseconds &* 1_000_000 / d.timing.period.microseconds
        }
        return sum
    }

    public static var isSchedulable: Bool {
        var all = true
        forEachTask { task, d in
            if d.timing.isDeclared && !analyse(task).schedulable { all = false }
        }
        return all && utilisationPPM() <= 1_000_000
    }

    /// The table `levee-node --analysis` and `/sys/tasks` print: resources with their derived
    /// ceilings and users, then per task P, C, T, D, B, R, slack and its share of U, and (when
    /// `measured` is given, e.g. `Scheduler<Port>.statistics(of:)`) the measured maxima beside.
    public static func write(into w: inout ByteWriter) {
        writeTable(into: &w, showMeasured: false) { _ in TaskStatistics() }
    }

    public static func write(into w: inout ByteWriter, measured: (App.Task) -> TaskStatistics) {
        writeTable(into: &w, showMeasured: true, measured)
    }

    /// The table with the running kernel's measured maxima, for code that has no port to name
    /// (a CoAP handler: `/sys/tasks`). A program runs one task set, so the kernel's statistics are
    /// this one's once `Scheduler.start()` has run, and all zero before.
    public static func writeRunning(into w: inout ByteWriter) {
        writeTable(into: &w, showMeasured: true) { kernel.statistics(of: $0.rawValue) }
    }

    static func writeTable(into w: inout ByteWriter, showMeasured: Bool, _ measured: (App.Task) -> TaskStatistics) {
        w.append("task set "); w.append(App.name); w.append(" (times in us)\n")
        w.append("resource        ceiling  users\n")
        var r: UInt8 = 0
        while r < App.resourceCount {
            if let resource = App.Resource(rawValue: r) {
                column(&w, App.name(of: resource), 16)
                column(&w, UInt64(widening: TaskSetFacts<App>.ceiling(of: r)), 9)
                var first = true
                if App.idleResources.contains(raw: r) { w.append("idle"); first = false }
                forEachTask { _, d in
                    guard d.resources.contains(raw: r) else { return }
                    if !first { w.append(" ") }
                    w.append(d.name)
                    first = false
                }
                w.append("\n")
            }
            r &+= 1
        }
        w.append("task            P  C        T        D        B        R        slack    U\n")
        forEachTask { task, d in
            column(&w, d.name, 16)
            column(&w, UInt64(widening: d.priority), 3)
            guard d.timing.isDeclared else {
                w.append("(no declared timing)")
                if showMeasured { measuredColumns(&w, measured(task)) }
                w.append("\n")
                return
            }
            let row = analyse(task)
            column(&w, d.timing.budget.microseconds, 9)
            column(&w, d.timing.period.microseconds, 9)
            column(&w, d.timing.deadline.microseconds, 9)
            column(&w, row.blocking, 9)
            column(&w, row.response, 9)
            if row.slack < 0 {
                w.append("MISS     ")
            } else {
                column(&w, UInt64(bitPattern: row.slack), 9)
            }
            fraction(&w, d.timing.budget.microseconds &* 1_000_000 / d.timing.period.microseconds)
            if showMeasured { measuredColumns(&w, measured(task)) }
            w.append("\n")
        }
        w.append("U = ")
        fraction(&w, utilisationPPM())
        w.append(isSchedulable ? ": schedulable\n" : ": NOT schedulable\n")
    }

    static func measuredColumns(_ w: inout ByteWriter, _ s: TaskStatistics) {
        w.append("  measured: runs="); w.appendDecimal(UInt64(widening: s.runs))
        w.append(" max-run="); w.appendDecimal(s.longestRun)
        w.append(" max-blocking="); w.appendDecimal(s.longestBlocking)
        w.append(" overruns="); w.appendDecimal(UInt64(widening: s.deadlineOverruns))
        w.append(" overflows="); w.appendDecimal(UInt64(widening: s.queueOverflows))
    }

    static func forEachTask(_ body: (App.Task, TaskDeclaration) -> Void) {
        var t: UInt8 = 0
        while t < App.taskCount {
            if let task = App.Task(rawValue: t) { body(task, App.declaration(of: task)) }
            t &+= 1
        }
    }

    /// Parts per million as `0.850`.
    static func fraction(_ w: inout ByteWriter, _ ppm: UInt64) {
        let thousandths = (ppm + 500) / 1_000
        w.appendDecimal(thousandths / 1_000)
        w.append(".")
        let rest = thousandths % 1_000
        if rest < 100 { w.append("0") }
        if rest < 10 { w.append("0") }
        w.appendDecimal(rest)
    }

    static func column(_ w: inout ByteWriter, _ text: StaticString, _ width: Int) {
        w.append(text)
        pad(&w, text.utf8CodeUnitCount, width)
    }

    static func column(_ w: inout ByteWriter, _ value: UInt64, _ width: Int) {
        w.appendDecimal(value)
        var digits = 1
        var v = value / 10
        while v > 0 { digits += 1; v /= 10 }
        pad(&w, digits, width)
    }

    static func pad(_ w: inout ByteWriter, _ used: Int, _ width: Int) {
        var n = used
        repeat { w.append(UInt8(ascii: " ")); n += 1 } while n < width
    }
}

/// The note's worked example: three tasks, two resources, R = 34, 90, 100 and U = 0.85.
public enum WorkedExample: TaskSet {
    public enum Task: UInt8 { case t1, t2, t3 }
    public enum Resource: UInt8 { case r1, r2 }
    public typealias Message = UInt32

    public static let name: StaticString = "worked-example"
    public static let taskCount: UInt8 = 3
    public static let resourceCount: UInt8 = 2
    public static let priorityLevels: UInt8 = 3

    public static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .t1: TaskDeclaration("T1", priority: 1, kind: .software(capacity: 1),
                                  timing: TaskTiming(budget: .microseconds(10), period: .microseconds(100)))
        case .t2: TaskDeclaration("T2", priority: 2, kind: .software(capacity: 1), resources: .of(Resource.r1, .r2),
                                  timing: TaskTiming(budget: .microseconds(30), period: .microseconds(200)))
        case .t3: TaskDeclaration("T3", priority: 3, kind: .software(capacity: 1), resources: .of(Resource.r2),
                                  timing: TaskTiming(budget: .microseconds(30), period: .microseconds(50)))
        }
    }

    public static func name(of resource: Resource) -> StaticString {
        switch resource {
        case .r1: "R1"
        case .r2: "R2"
        }
    }

    /// T2 holds R1 for 10 units with R2 nested inside for 4; T3 holds R2 for 10.
    public static func criticalSection(of task: Task, on resource: Resource) -> Interval {
        switch (task, resource) {
        case (.t2, .r1): .microseconds(10)
        case (.t2, .r2): .microseconds(4)
        case (.t3, .r2): .microseconds(10)
        default: .zero
        }
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>)
        where Port.App == Self {}
}
