package dev.vad.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

/**
 * The CLI's logging set-up, found by logback through {@code META-INF/services}: WARN and above to stderr as
 * {@code vad: LEVEL Logger: message}; {@code -v} switches the root to DEBUG at run time ({@link Logging}).
 *
 * <p>Code, not a {@code logback.xml}: the XML configurator (Joran, the JDK's SAX parser, the pattern parser) loads
 * hundreds of classes on every command's start-up (benchmarks/RESULTS.md, "start-up of the vad command"). A
 * {@code logback.xml} or {@code -Dlogback.configurationFile} given by a user still wins (this configurator steps aside
 * for them).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext lc) {
    if (System.getProperty("logback.configurationFile") != null
        || LogSetup.class.getClassLoader().getResource("logback.xml") != null
        || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    NopStatusListener quiet = new NopStatusListener(); // logback's own start-up chatter stays off the terminal
    lc.getStatusManager().add(quiet);
    Layout layout = new Layout();
    layout.setContext(lc);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(lc);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(lc);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** {@code vad: %level %logger{0}: %msg%n} plus the stack trace, without logback's pattern parser. */
  static final class Layout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
      String name = e.getLoggerName();
      StringBuilder b = new StringBuilder(128).append("vad: ").append(e.getLevel()).append(' ')
          .append(name.substring(name.lastIndexOf('.') + 1)).append(": ").append(e.getFormattedMessage())
          .append(CoreConstants.LINE_SEPARATOR);
      IThrowableProxy t = e.getThrowableProxy();
      if (t != null) {
        b.append(ThrowableProxyUtil.asString(t)).append(CoreConstants.LINE_SEPARATOR);
      }
      return b.toString();
    }
  }
}
