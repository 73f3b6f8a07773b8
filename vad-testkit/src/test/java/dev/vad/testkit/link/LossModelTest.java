package dev.vad.testkit.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossModelTest {
  static final Duration RTT = Duration.ofMillis(50);
  static final Duration MIN_RTO = Duration.ofMillis(200);

  static List<LossModel.Outcome> run(LossModel m, int messages, long bytes) {
    List<LossModel.Outcome> out = new ArrayList<>();
    for (long id = 0; id < messages; id++) {
      out.add(m.transmit(id, bytes));
    }
    return out;
  }

  @Test
  void sameSeedSameDecisionsWhateverTheOrder() {
    LossModel a = new LossModel(0.03, 11, 1448, RTT, MIN_RTO);
    LossModel b = new LossModel(0.03, 11, 1448, RTT, MIN_RTO);
    List<LossModel.Outcome> forward = run(a, 500, 65600);
    List<LossModel.Outcome> backward = new ArrayList<>();
    for (long id = 499; id >= 0; id--) {
      backward.add(0, b.transmit(id, 65600));
    }
    assertThat(backward).isEqualTo(forward);
    assertThat(forward).anyMatch(o -> o.lostPackets() > 0);
  }

  @Test
  void anotherSeedOtherDecisions() {
    assertThat(run(new LossModel(0.03, 11, 1448, RTT, MIN_RTO), 500, 65600))
        .isNotEqualTo(run(new LossModel(0.03, 12, 1448, RTT, MIN_RTO), 500, 65600));
  }

  @Test
  void lossFrequencyMatchesTheRate() {
    List<LossModel.Outcome> out = run(new LossModel(0.05, 3, 1448, RTT, MIN_RTO), 2000, 1448 * 50);
    long packets = out.stream().mapToLong(LossModel.Outcome::packets).sum();
    long lost = out.stream().mapToLong(LossModel.Outcome::lostPackets).sum();
    assertThat(packets).isEqualTo(100_000);
    // lost transmissions per packet: rate / (1 - rate) with retransmissions, about 0.0526
    assertThat(lost / (double) packets).isBetween(0.048, 0.058);
  }

  @Test
  void noLossNoPenalty() {
    assertThat(run(new LossModel(0, 1, 1448, RTT, MIN_RTO), 100, 1 << 20))
        .allMatch(o -> o.lostPackets() == 0 && o.penaltyNanos() == 0 && o.packets() == 725);
  }

  @Test
  void aLostTailPacketWaitsForTheTimeoutAndEarlyOnesForOneRtt() {
    LossModel m = new LossModel(0.5, 8, 1448, RTT, MIN_RTO);
    long rto = RTT.toNanos() + MIN_RTO.toNanos();
    // single-packet messages cannot be fast-retransmitted: each loss costs at least one RTO
    for (LossModel.Outcome o : run(m, 200, 100)) {
      assertThat(o.packets()).isEqualTo(1);
      if (o.lostPackets() > 0) {
        assertThat(o.penaltyNanos()).isGreaterThanOrEqualTo(rto * ((1L << o.lostPackets()) - 1));
      }
    }
    // in long messages most losses are early ones, repaired in one RTT
    LossModel gentle = new LossModel(0.01, 8, 1448, RTT, MIN_RTO);
    List<LossModel.Outcome> big = run(gentle, 2000, 1448 * 100);
    long lost = big.stream().mapToLong(LossModel.Outcome::lostPackets).sum();
    long penalty = big.stream().mapToLong(LossModel.Outcome::penaltyNanos).sum();
    assertThat(lost).isPositive();
    assertThat(penalty / (double) lost).isBetween((double) RTT.toNanos(), RTT.toNanos() + 0.1 * rto);
  }

  @Test
  void rejectsBadRates() {
    assertThatThrownBy(() -> new LossModel(0.7, 1, 1448, RTT, MIN_RTO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LinkShape.builder().lossRate(-0.1)).isInstanceOf(IllegalArgumentException.class);
  }
}
