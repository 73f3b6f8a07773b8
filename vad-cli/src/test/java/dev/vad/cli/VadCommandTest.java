package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class VadCommandTest {

  @Test
  void versionNamesTheBuildAndTheJvm() {
    Cli r = Cli.run("--version").succeeded();
    assertThat(r.out()).startsWith("vad " + VersionProvider.version() + System.lineSeparator())
        .contains("Java " + System.getProperty("java.version"));
    assertThat(VersionProvider.version()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void helpListsTheSubcommandsAndExitCodes() {
    Cli r = Cli.run("--help").succeeded();
    assertThat(r.out()).contains("pack", "inspect", "mount", "demo", "--verbose", "Exit codes:");
  }

  @Test
  void noSubcommandIsAUsageError() {
    Cli.run().failedWith(2, "missing command", "pack, inspect, mount, demo");
  }

  @Test
  void unknownSubcommandIsAUsageError() {
    Cli.run("frobnicate").failedWith(2, "'frobnicate'");
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.run("inspect", "x.vad", "--bogus").failedWith(2, "Unknown option: '--bogus'", "vad inspect --help");
  }

  @Test
  void verboseShowsTheStackTraceAfterTheMessage() {
    for (String[] args : new String[][] {{"-v", "inspect", "missing.vad"}, {"inspect", "--verbose", "missing.vad"}}) {
      Cli r = Cli.run(args);
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err().lines().findFirst()).hasValue("vad: missing.vad: no such pack file");
      assertThat(r.err()).contains("NoSuchFileException", "at dev.vad.pack.PackReader.open");
    }
  }

  @Test
  void verboseLogsDebugDuringTheCommandOnlyAndRestoresTheLevel() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    root.addAppender(events);
    try {
      Cli.run("pack", "--image", "disk=missing.img", "-o", "x.vad");
      assertThat(events.list).noneMatch(e -> e.getLevel() == Level.DEBUG);

      Cli r = Cli.run("pack", "-v", "--image", "disk=missing.img", "-o", "x.vad");
      assertThat(r.exit()).isEqualTo(1);
      assertThat(events.list).anyMatch(e -> e.getLevel() == Level.DEBUG
          && e.getLoggerName().equals(PackCommand.class.getName()));
    } finally {
      root.detachAppender(events);
    }
    assertThat(root.getLevel()).isEqualTo(before).isEqualTo(Level.WARN);
  }
}
