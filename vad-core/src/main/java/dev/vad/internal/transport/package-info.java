/**
 * The {@code file:} transport. No compatibility promise.
 */
package dev.vad.internal.transport;
