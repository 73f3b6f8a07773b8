package dev.vad.sched;

/**
 * Scheduler counters. Times are nanoseconds since the scheduler was created, -1 if not reached.
 *
 * @param demandMisses reader accesses that found the chunk missing and issued (or promoted) a demand request
 * @param coalescedWaits accesses that waited on a demand request another reader had already issued
 * @param hits accesses that found the data present
 * @param prefetchHits first accesses of chunks that arrived by prefetch
 * @param bytesWasted stored bytes fetched that no reader has touched (so far)
 * @param missingBytes stored bytes not fetched yet
 */
public record SchedulerStats(long demandMisses, long coalescedWaits, long hits, long prefetchHits,
    long chunksFetched, long bytesFetched, long bytesWasted, long duplicateArrivals, long failures,
    long requestsSent, long promotions, long readyNanos, long completeNanos, long missingBytes) {}
