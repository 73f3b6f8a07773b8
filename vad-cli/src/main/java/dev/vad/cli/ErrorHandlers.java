package dev.vad.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on stderr, {@code vad: <message>}, and an exit code: 2 for usage errors (bad
 * command line, caller mistakes reported as {@link IllegalArgumentException}), 1 for anything else. The stack trace
 * follows only with {@code --verbose}.
 */
final class ErrorHandlers implements IParameterExceptionHandler, IExecutionExceptionHandler {

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("vad: " + oneLine(ex.getMessage()) + " (see '" + cmd.getCommandSpec().qualifiedName()
        + " --help')");
    if (verbose(cmd)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return VadCommand.EXIT_USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    err.println("vad: " + describe(ex));
    if (verbose(cmd)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return ex instanceof IllegalArgumentException ? VadCommand.EXIT_USAGE : VadCommand.EXIT_FAILURE;
  }

  private static boolean verbose(CommandLine cmd) {
    return cmd.getCommandSpec().root().userObject() instanceof VadCommand root && root.verbose();
  }

  /** A one-line description of {@code t} for users: what failed and on which file, without class names. */
  static String describe(Throwable t) {
    if (t instanceof UncheckedIOException u && u.getCause() != null) {
      return describe(u.getCause());
    }
    String text;
    if (t instanceof FileSystemException f) {
      String reason = f.getReason() != null ? f.getReason() : reasonFor(f);
      text = f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
    } else if (t.getMessage() != null && !t.getMessage().isBlank()) {
      text = t.getMessage();
    } else {
      text = t.getClass().getSimpleName();
    }
    // Wrappers ("chunk processing failed") say little alone: add the root cause when its text is not already in.
    Throwable cause = t.getCause();
    if (cause != null && cause != t && !(t instanceof FileSystemException)) {
      String inner = describe(cause);
      if (inner.contains(text)) {
        text = inner; // a re-thrown copy of its cause's message: say it once
      } else if (!text.contains(inner)) {
        text = text + ": " + inner;
      }
    }
    return oneLine(text);
  }

  private static String reasonFor(FileSystemException f) {
    if (f instanceof NoSuchFileException) {
      return "no such file or directory";
    } else if (f instanceof AccessDeniedException) {
      return "permission denied";
    } else if (f instanceof FileAlreadyExistsException) {
      return "already exists";
    } else if (f instanceof NotDirectoryException) {
      return "not a directory";
    } else if (f instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    return "file system error";
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", "; ").strip();
  }
}
