/**
 * Implementation details shared across vad's modules (thread factories and the like). No compatibility promise: do
 * not use from outside vad.
 */
package dev.vad.internal;
