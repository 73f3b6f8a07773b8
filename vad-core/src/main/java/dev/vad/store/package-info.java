/**
 * What a server serves: the {@link dev.vad.store.ChunkStore} interface and chunk decoding with verification against
 * the manifest's digests.
 */
package dev.vad.store;
