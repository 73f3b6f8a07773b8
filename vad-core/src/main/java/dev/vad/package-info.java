/**
 * The model of an appliance: {@link dev.vad.ApplianceId}, {@link dev.vad.Manifest} (images, chunks, digests),
 * {@link dev.vad.ChunkKey}, {@link dev.vad.Profile} (the predicted working set) and {@link dev.vad.Metrics}.
 * Depends on nothing of the pack format ({@code dev.vad.pack} reads and writes it).
 */
package dev.vad;
