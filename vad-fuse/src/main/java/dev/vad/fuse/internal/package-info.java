/**
 * The jnr-fuse binding and libfuse session loop. No compatibility promise.
 */
package dev.vad.fuse.internal;
