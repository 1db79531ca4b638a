// Instructions Swift cannot express, as static inline functions: swiftc compiles them into the
// Swift object through the bridging header, so the firmware needs no separate C object.
#pragma once
#include <stdint.h>

// ARM semihosting: operation in r0, argument block in r1, result in r0.
static inline uint32_t levee_semihost(uint32_t op, const void *arg) {
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static inline uint32_t levee_read_basepri(void) {
    uint32_t value;
    __asm__ volatile("mrs %0, basepri" : "=r"(value));
    return value;
}

static inline void levee_write_basepri(uint32_t value) {
    __asm__ volatile("msr basepri, %0" : : "r"(value) : "memory");
}

// Raises BASEPRI only if the new value is a higher priority (lower non-zero number): one instruction.
static inline void levee_write_basepri_max(uint32_t value) {
    __asm__ volatile("msr basepri_max, %0" : : "r"(value) : "memory");
}

static inline void levee_disable_interrupts(void) { __asm__ volatile("cpsid i" : : : "memory"); }
static inline void levee_enable_interrupts(void) { __asm__ volatile("cpsie i" : : : "memory"); }
static inline void levee_dsb(void) { __asm__ volatile("dsb" : : : "memory"); }
static inline void levee_isb(void) { __asm__ volatile("isb" : : : "memory"); }
static inline void levee_wfi(void) { __asm__ volatile("wfi"); }

static inline uint32_t levee_read_msp(void) {
    uint32_t value;
    __asm__ volatile("mrs %0, msp" : "=r"(value));
    return value;
}

static inline void levee_mmio_write32(uint32_t address, uint32_t value) {
    *(volatile uint32_t *)address = value;
}

static inline uint32_t levee_mmio_read32(uint32_t address) {
    return *(volatile uint32_t *)address;
}

// Linker-script symbols (their addresses are what matters).
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top, _stack_bottom;
static inline uint32_t *levee_sym_sidata(void) { return &_sidata; }
static inline uint32_t *levee_sym_sdata(void) { return &_sdata; }
static inline uint32_t *levee_sym_edata(void) { return &_edata; }
static inline uint32_t *levee_sym_sbss(void) { return &_sbss; }
static inline uint32_t *levee_sym_ebss(void) { return &_ebss; }
static inline uint32_t *levee_sym_stack_bottom(void) { return &_stack_bottom; }
static inline uint32_t *levee_sym_stack_top(void) { return &_stack_top; }

// An undefined instruction: escalates to HardFault (the fault tests use it).
static inline void levee_undefined_instruction(void) { __asm__ volatile("udf #0"); }

// Touches `bytes` of stack below the current frame, one word per KiB, deepest first: the
// stack-overflow test runs this with more than the stack reserve.
static inline void levee_probe_stack(uint32_t bytes) {
    volatile uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t offset = 1024; offset <= bytes; offset += 1024) {
        *(volatile uint32_t *)((uintptr_t)sp - offset) = offset;
    }
}

// PRIMASK (1 = interrupts masked): the scheduler saves it around its own critical sections.
static inline uint32_t levee_read_primask(void) {
    uint32_t value;
    __asm__ volatile("mrs %0, primask" : "=r"(value));
    return value;
}

// Restores BASEPRI at the end of a lock; the ISB makes a pended interrupt that the old value
// unmasks run before the next instruction.
static inline void levee_restore_basepri(uint32_t value) {
    __asm__ volatile("msr basepri, %0\n\tisb" : : "r"(value) : "memory");
}
