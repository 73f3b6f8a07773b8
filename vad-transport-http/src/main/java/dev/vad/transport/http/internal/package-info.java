/**
 * The HTTP client, range planning and response checks. No compatibility promise.
 */
package dev.vad.transport.http.internal;
