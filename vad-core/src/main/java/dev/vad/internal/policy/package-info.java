/**
 * The built-in policies. No compatibility promise.
 */
package dev.vad.internal.policy;
