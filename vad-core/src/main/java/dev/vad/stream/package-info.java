/**
 * Streaming an appliance: {@link dev.vad.stream.StreamingAppliance} and its builder, the live driver of the
 * scheduler, with images that block a read only until its chunks are here.
 */
package dev.vad.stream;
