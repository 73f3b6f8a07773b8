package dev.vad.cli;

/** Entry point of the {@code vad} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Startup.mark();
    System.exit(VadCommand.newCommandLineFor(args).execute(args));
  }
}
