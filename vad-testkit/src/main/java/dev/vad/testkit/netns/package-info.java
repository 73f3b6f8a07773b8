/**
 * A real kernel WAN path between two network namespaces (delay, rate, loss) for end-to-end tests.
 */
package dev.vad.testkit.netns;
