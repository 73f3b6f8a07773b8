/**
 * Contract kits for codecs, transports, policies and chunk stores, test appliances, and fault-injecting wrappers.
 */
package dev.vad.testkit;
