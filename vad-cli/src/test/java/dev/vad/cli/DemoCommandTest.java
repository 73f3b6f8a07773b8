package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

  @Test
  void streamsTheSampleWithEachPolicyAndChecksEveryByte() {
    Cli r = Cli.run("demo", "--disk-size", "4M", "--ram-size", "2M", "--rate", "100mbit", "--rtt", "4ms",
        "--policies", "full,demand,trace", "--working-set", "0.3").succeeded();
    assertThat(r.out()).contains("sample appliance: disk 4.0 MiB + ram 2.0 MiB", "link: 100.0 Mbit/s, 4 ms RTT");
    Matcher reads = Pattern.compile("all (\\d+) reads matched").matcher(r.out());
    assertThat(reads.find()).isTrue();
    assertThat(Integer.parseInt(reads.group(1))).isPositive();
    for (String policy : new String[] {"full", "demand", "trace"}) {
      assertThat(r.out()).containsPattern("(?m)^" + policy + " +\\d+\\.\\d\\d s +\\d+ ");
    }
    // full waits for everything, demand not at all
    Matcher full = Pattern.compile("(?m)^full +(\\d+\\.\\d\\d) s").matcher(r.out());
    Matcher demand = Pattern.compile("(?m)^demand +(\\d+\\.\\d\\d) s +(\\d+)").matcher(r.out());
    assertThat(full.find()).isTrue();
    assertThat(demand.find()).isTrue();
    assertThat(Double.parseDouble(full.group(1))).isGreaterThan(Double.parseDouble(demand.group(1)));
    assertThat(Integer.parseInt(demand.group(2))).as("demand stalls").isPositive();
  }

  @Test
  void badValuesAreUsageErrors() {
    Cli.run("demo", "--disk-size", "lots").failedWith(2, "--disk-size", "bad size: 'lots'");
    Cli.run("demo", "--rate", "fast").failedWith(2, "--rate", "bad rate");
    Cli.run("demo", "--policies", "nope").failedWith(2, "unknown policy 'nope'");
  }
}
