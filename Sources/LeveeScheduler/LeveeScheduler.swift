// LeveeScheduler: RTIC-style run-to-completion tasks with Stack Resource Policy locks.
//
// A static task set with priorities; resources whose ceilings are derived from the tasks declared
// to use them; spawn queues and a timer queue of fixed capacity. One scheduler core runs on two
// ports: a deterministic software interrupt controller on the host and NVIC + BASEPRI on the chip.
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
