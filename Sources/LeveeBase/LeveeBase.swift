// LeveeBase: what every core module stands on.
//
// Byte cursors over caller-owned buffers (the codecs never allocate), time as plain microsecond
// counts behind a `Clock` protocol (a mock clock in tests, SysTick on the chip), the console the
// self-tests report to, and the named limits of the memory budget. Imports only the standard
// library: this module is compiled as Embedded Swift for the STM32F407 as well as for the host.
