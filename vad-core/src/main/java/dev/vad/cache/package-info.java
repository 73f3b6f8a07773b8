/**
 * The client's local chunk cache: a sparse file per image plus a crash-safe journal, a write overlay, and {@link
 * dev.vad.cache.CacheAdmin} to list, verify, remove and trim caches.
 */
package dev.vad.cache;
