// LeveeScheduler: RTIC-style run-to-completion tasks with Stack Resource Policy locks.
//
// A static task set with priorities; resources whose ceilings are derived from the tasks declared
// to use them; spawn queues and a timer queue of fixed capacity. One scheduler core runs on two
// ports: a deterministic software interrupt controller on the host and NVIC + BASEPRI on the chip.
//
// A task set, RTIC style (see Scenarios/ for RTIC's examples and Tests/LeveeSchedulerTests):
//
//   enum Node: TaskSet {
//       enum Task: UInt8 { case network, sampler }
//       enum Resource: UInt8 { case readings }
//       typealias Message = UInt32
//       static let name: StaticString = "node"
//       static let taskCount: UInt8 = 2, resourceCount: UInt8 = 1, priorityLevels: UInt8 = 2
//       static func declaration(of task: Task) -> TaskDeclaration {
//           switch task {
//           case .network: TaskDeclaration("network", priority: 2, kind: .hardware(.networkReceive),
//                                          resources: .of(Resource.readings))
//           case .sampler: TaskDeclaration("sampler", priority: 1, kind: .software(capacity: 4),
//                                          resources: .of(Resource.readings),
//                                          timing: TaskTiming(budget: .microseconds(50), period: .seconds(1)))
//           }
//       }
//       static func name(of resource: Resource) -> StaticString { "readings" }
//       static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>)
//           where Port.App == Self {
//           context.lock(Readings.self) { readings in ... }   // ceiling 2, derived
//       }
//   }
//   enum Readings: SharedResource {
//       typealias App = Node
//       nonisolated(unsafe) static var storage = Shared(Node.Resource.readings, Samples())
//   }
//   try Scheduler<HostPort<Node>>.start()        // or Scheduler<CortexMPort<Node>> on the chip
//
// How the files divide the work:
// - Capacity.swift: the fixed capacities (every byte of the scheduler's state is sized by them).
// - TaskSet.swift: what an application declares (an enum of tasks, an enum of resources).
// - Port.swift: what a port provides (pend a level, raise/restore the ceiling, mask, time).
// - Kernel.swift: the one static state of the scheduler (tables, queues, statistics).
// - Scheduler.swift: start, spawn, pend, dispatch of a level, timer release.
// - TaskContext.swift, Shared.swift: what a running task may do (spawn, lock).
// - TimerQueue.swift: deadlines in order, fixed capacity.
// - HostPort.swift: the deterministic software interrupt controller with a virtual clock.
// - Analysis.swift: ceilings, blocking, response times, utilisation, printed as a table.
// - Trace.swift and Scenarios/: RTIC's examples as code, run on the host and on the chip.
