/**
 * The built-in codecs. No compatibility promise.
 */
package dev.vad.internal.codec;
