/**
 * The in-process link emulator: a WAN relay with delay, bandwidth and loss, and an emulated chunk source.
 */
package dev.vad.testkit.link;
