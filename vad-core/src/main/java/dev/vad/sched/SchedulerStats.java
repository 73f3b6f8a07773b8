package dev.vad.sched;

/**
 * Scheduler counters. Times are nanoseconds since the scheduler was created, -1 if not reached.
 *
 * @param demandMisses reader accesses that found the chunk missing and issued (or promoted) a demand request
 * @param coalescedWaits accesses that waited on a demand request another reader had already issued
 * @param hits accesses that found the data present
 * @param prefetchHits first accesses of chunks that arrived by prefetch
 * @param chunksFetched units (chunks with stored bytes of their own) fetched, each counted once
 * @param bytesFetched stored (compressed, as on the wire) bytes of every chunk copy that arrived, a second copy of a
 *     chunk already present included
 * @param bytesWasted stored bytes fetched that no reader has touched (so far), plus every second copy
 * @param duplicateArrivals copies that arrived for a chunk already present
 * @param missingBytes stored bytes not fetched yet
 */
public record SchedulerStats(long demandMisses, long coalescedWaits, long hits, long prefetchHits,
    long chunksFetched, long bytesFetched, long bytesWasted, long duplicateArrivals, long failures,
    long requestsSent, long promotions, long readyNanos, long completeNanos, long missingBytes) {}
