package dev.vad.transport.tcp;

/**
 * Which Netty I/O implementation to use. {@link #AUTO} picks native epoll when it loads and falls back to NIO quietly
 * (logged at debug); {@link #EPOLL} fails fast with the reason epoll is unavailable.
 */
public enum IoMode {
  AUTO,
  EPOLL,
  NIO
}
