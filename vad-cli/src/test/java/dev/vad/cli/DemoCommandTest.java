package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
  private static final Pattern CLEANED = Pattern.compile("(?m)^cleaned up (.+)$");

  @Test
  void generatesPacksInspectsAndCleansUp() {
    Cli r = Cli.run("demo", "--disk-size", "4M", "--ram-size", "2M", "--seed", "9").succeeded();
    assertThat(r.out()).contains("1. generating a sample appliance", "disk 4.0 MiB, ram 2.0 MiB, seed 9",
        "2. vad pack", "packed ", "3. vad inspect", "  disk  4.0 MiB (4194304 bytes), 64 chunks",
        "  ram   2.0 MiB (2097152 bytes), 32 chunks");
    assertThat(r.fields().get("chunks")).isEqualTo("96");
    assertThat(r.fields().get("appliance id")).matches("[0-9a-f]{64}");
    Matcher m = CLEANED.matcher(r.out());
    assertThat(m.find()).isTrue();
    assertThat(Files.exists(Path.of(m.group(1)))).as("demo directory removed").isFalse();
  }

  @Test
  void theSameSeedGivesTheSameApplianceId() {
    String a = Cli.run("demo", "--disk-size", "1M", "--ram-size", "1M").succeeded().fields().get("appliance id");
    String b = Cli.run("demo", "--disk-size", "1M", "--ram-size", "1M").succeeded().fields().get("appliance id");
    String c = Cli.run("demo", "--disk-size", "1M", "--ram-size", "1M", "--seed", "2").succeeded()
        .fields().get("appliance id");
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void badSizeIsAUsageError() {
    Cli.run("demo", "--disk-size", "lots").failedWith(2, "--disk-size", "bad size: 'lots'");
  }
}
