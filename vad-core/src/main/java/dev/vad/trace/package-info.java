/**
 * Execution traces (which chunk was read when, on the VM's clock): reading, writing, recording ({@link
 * dev.vad.trace.TraceRecorder}) and importing QEMU's block traces.
 */
package dev.vad.trace;
