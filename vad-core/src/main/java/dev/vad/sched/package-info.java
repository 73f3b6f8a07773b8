/**
 * The scheduler: a pure state machine that turns reader demand, arrivals and link measurements into requests, paced
 * to the estimated bandwidth-delay product ({@link dev.vad.sched.Scheduler}, {@link
 * dev.vad.sched.SchedulerConfig}), and the per-chunk {@link dev.vad.sched.Timeline}.
 */
package dev.vad.sched;
