// LeveeScheduler: RTIC-style run-to-completion tasks with Stack Resource Policy locks.
//
// A static task set with priorities; resources whose ceilings are derived from the tasks declared
// to use them; spawn queues and a timer queue of fixed capacity. One scheduler core runs on two
// ports: a deterministic software interrupt controller on the host and NVIC + BASEPRI on the chip.
