/**
 * The simulator: the same scheduler and policies driven on virtual time over a {@link dev.vad.sim.LinkModel},
 * replaying a trace.
 */
package dev.vad.sim;
