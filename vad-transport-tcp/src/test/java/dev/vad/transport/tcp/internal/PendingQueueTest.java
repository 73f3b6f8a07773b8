package dev.vad.transport.tcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.transport.netty.internal.ErrorCodes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingQueueTest {

  private static List<Long> drain(PendingQueue q) {
    List<Long> out = new ArrayList<>();
    for (PendingQueue.Item i = q.poll(); i != null; i = q.poll()) {
      out.add(i.key());
    }
    return out;
  }

  @Test
  void demandGoesBeforeEarlierPrefetchAndErrorsGoFirst() {
    PendingQueue q = new PendingQueue(100, 10);
    for (long k = 1; k <= 5; k++) {
      assertThat(q.offer(k, 1, false)).isEqualTo(PendingQueue.Offer.QUEUED);
    }
    assertThat(q.offer(99, 2, true)).isEqualTo(PendingQueue.Offer.QUEUED);
    assertThat(q.offerError(77, 3, ErrorCodes.NO_SUCH_CHUNK)).isTrue();
    assertThat(drain(q)).containsExactly(77L, 99L, 1L, 2L, 3L, 4L, 5L);
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void demandForAQueuedPrefetchKeyPromotesItWithTheNewRequestId() {
    PendingQueue q = new PendingQueue(100, 10);
    for (long k = 1; k <= 5; k++) {
      q.offer(k, 1, false);
    }
    assertThat(q.offer(4, 9, true)).isEqualTo(PendingQueue.Offer.PROMOTED);
    assertThat(q.offer(4, 10, false)).isEqualTo(PendingQueue.Offer.ALREADY_QUEUED);
    assertThat(q.offer(2, 11, false)).isEqualTo(PendingQueue.Offer.ALREADY_QUEUED);
    assertThat(q.demandSize()).isEqualTo(1);
    assertThat(q.prefetchSize()).isEqualTo(4);
    PendingQueue.Item first = q.poll();
    assertThat(first.key()).isEqualTo(4);
    assertThat(first.requestId()).isEqualTo(9);
    assertThat(drain(q)).containsExactly(1L, 2L, 3L, 5L);
  }

  @Test
  void promoteMovesAQueuedPrefetchKeyAndNeverQueuesAnAnswerAgain() {
    PendingQueue q = new PendingQueue(100, 10);
    for (long k = 1; k <= 3; k++) {
      q.offer(k, 1, false);
    }
    assertThat(q.poll().key()).as("key 1's answer is written").isEqualTo(1L);
    assertThat(q.promote(1, 5)).as("written already: not sent twice").isFalse();
    assertThat(q.promote(42, 5)).as("never asked for").isFalse();
    assertThat(q.promote(3, 5)).isTrue();
    assertThat(q.promote(3, 6)).as("already demand").isFalse();
    PendingQueue.Item first = q.poll();
    assertThat(first.key()).isEqualTo(3L);
    assertThat(first.requestId()).isEqualTo(5);
    assertThat(drain(q)).containsExactly(2L);
  }

  @Test
  void cancelRemovesQueuedKeysOfEitherClass() {
    PendingQueue q = new PendingQueue(100, 10);
    q.offer(1, 1, false);
    q.offer(2, 1, false);
    q.offer(3, 2, true);
    assertThat(q.cancel(2)).isTrue();
    assertThat(q.cancel(3)).isTrue();
    assertThat(q.cancel(42)).isFalse();
    assertThat(drain(q)).containsExactly(1L);
  }

  @Test
  void limitsAreEnforced() {
    PendingQueue q = new PendingQueue(2, 1);
    q.offer(1, 1, false);
    q.offer(2, 1, true);
    assertThat(q.offer(3, 1, true)).isEqualTo(PendingQueue.Offer.FULL);
    assertThat(q.offer(1, 1, true)).as("promotion needs no room").isEqualTo(PendingQueue.Offer.PROMOTED);
    assertThat(q.offerError(5, 1, ErrorCodes.BUSY)).isTrue();
    assertThat(q.offerError(6, 1, ErrorCodes.BUSY)).isFalse();
    assertThat(q.chunks()).isEqualTo(2);
  }
}
