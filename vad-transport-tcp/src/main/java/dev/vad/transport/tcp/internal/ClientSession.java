package dev.vad.transport.tcp.internal;

import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.CorruptPackException;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.ProfileFormat;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.HandshakeTimer;
import dev.vad.transport.netty.internal.ReadyPing;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLException;

/**
 * The client's protocol state for one connection: sends HELLO, assembles MANIFEST and PROFILE parts when it asked
 * for them, then passes CHUNK, ERROR and PONG frames to the {@link TcpChunkSource}. Anything unexpected from the server
 * is a protocol failure: the connection is closed and the source reconnects.
 *
 * <p>The connection's first RTT sample is a {@link ReadyPing}. Each handshake step is bounded by a
 * {@link HandshakeTimer}.
 */
final class ClientSession extends ChannelInboundHandlerAdapter {
  /** A manifest larger than this is refused (a 20 GiB image at 64 KiB chunks needs about 15 MiB). */
  static final int MAX_SECTION = 1 << 30;

  private enum State { HELLO_SENT, MANIFEST, PROFILE, READY }

  private final TcpChunkSource source;
  private final byte[] applianceId;
  private final byte[] token;
  private final boolean wantSections;
  private final String where;
  private final HandshakeTimer timer;
  private State state = State.HELLO_SENT;
  private Section manifestBytes;
  private Section profileBytes;
  private long dataLength;
  private Manifest manifest;
  private int serverFlags;

  ClientSession(TcpChunkSource source, byte[] applianceId, byte[] token, boolean wantSections, String where,
      HandshakeTimer timer) {
    this.source = source;
    this.token = token;
    this.timer = timer;
    this.applianceId = applianceId;
    this.wantSections = wantSections;
    this.where = where;
  }

  private final ReadyPing readyPing = new ReadyPing();

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(new Frame.Hello(Frame.MAGIC, Frame.VERSION, wantSections ? Frame.FLAG_WANT_MANIFEST : 0,
        applianceId, token));
    timer.awaitHelloOk();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    timer.stop();
    source.onDisconnected(ctx.channel());
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      read(ctx, msg);
    } catch (IOException e) {
      source.onProtocolFailure(ctx.channel(), e);
    }
  }

  private void read(ChannelHandlerContext ctx, Object msg) throws IOException {
    if (msg instanceof Frame.Malformed m) {
      throw new IOException(where + ": malformed frame from server: " + ErrorCodes.name(m.code()) + ": "
          + m.message());
    }
    if (msg instanceof Frame.Error e) {
      source.onError(ctx.channel(), e);
      return;
    }
    switch (state) {
      case HELLO_SENT -> {
        if (!(msg instanceof Frame.HelloOk ok)) {
          throw unexpected(msg);
        }
        if (ok.version() != Frame.VERSION) {
          throw new IOException(where + ": server speaks vad+tcp version " + ok.version() + ", expected "
              + Frame.VERSION);
        }
        serverFlags = ok.flags();
        if (wantSections) {
          state = State.MANIFEST;
          timer.awaitPart("manifest", 0, 0);
        } else {
          ready(ctx, null, null);
        }
      }
      case MANIFEST -> {
        if (!(msg instanceof Frame.ManifestPart p)) {
          throw unexpected(msg);
        }
        if (manifestBytes == null) {
          manifestBytes = new Section("manifest", p.total());
          dataLength = p.dataLength();
        }
        if (manifestBytes.add(p.total(), p.offset(), p.bytes())) {
          manifest = ManifestFormat.decode(ByteBuffer.wrap(manifestBytes.bytes()), where + " manifest", 0, dataLength);
          manifestBytes = null;
          state = State.PROFILE;
          timer.awaitPart("profile", 0, 0);
        } else {
          timer.awaitPart("manifest", manifestBytes.size(), p.total());
        }
      }
      case PROFILE -> {
        if (!(msg instanceof Frame.ProfilePart p)) {
          throw unexpected(msg);
        }
        if (p.total() == 0) {
          ready(ctx, manifest, null);
          return;
        }
        if (profileBytes == null) {
          profileBytes = new Section("profile", p.total());
        }
        if (profileBytes.add(p.total(), p.offset(), p.bytes())) {
          Profile profile = ProfileFormat.decode(ByteBuffer.wrap(profileBytes.bytes()), where + " profile", 0,
              manifest);
          profileBytes = null;
          ready(ctx, manifest, profile);
        } else {
          timer.awaitPart("profile", profileBytes.size(), p.total());
        }
      }
      case READY -> {
        if (msg instanceof Frame.Chunk c) {
          source.onChunk(c);
        } else if (msg instanceof Frame.Pong p) {
          long rtt = readyPing.rttOf(p);
          if (rtt >= 0) {
            source.offerRtt(rtt);
          } else {
            source.onPong(p);
          }
        } else {
          throw unexpected(msg);
        }
      }
      default -> throw new AssertionError(state);
    }
  }

  /** The PING goes out before {@code onReady}, so before any REQUEST of this connection. */
  private void ready(ChannelHandlerContext ctx, Manifest m, Profile p) {
    timer.stop();
    state = State.READY;
    readyPing.send(ctx);
    source.onReady(ctx.channel(), m, p, (serverFlags & Frame.FLAG_PROMOTE) != 0);
  }

  private IOException unexpected(Object msg) {
    if (msg instanceof Frame.Chunk c) {
      c.data().release();
    }
    return new IOException(where + ": unexpected " + msg.getClass().getSimpleName() + " frame in state " + state);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
      source.onProtocolFailure(ctx.channel(), tlsFailure(e.cause()));
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    boolean tls = false;
    for (Throwable c = cause; c != null; c = c.getCause()) {
      tls |= c instanceof SSLException;
    }
    source.onProtocolFailure(ctx.channel(), tls ? tlsFailure(cause) : cause);
  }

  /** One line, no class names; the cause is kept as suppressed for --verbose. */
  private IOException tlsFailure(Throwable cause) {
    IOException x = new IOException(where + ": TLS handshake failed: " + Tls.why(cause));
    x.addSuppressed(cause);
    return x;
  }

  /** A section arriving in parts, strictly in order; memory grows only with what actually arrived. */
  private final class Section {
    private final String name;
    private final int total;
    private final ByteArrayOutputStream out;

    Section(String name, int total) throws IOException {
      if (total <= 0 || total > MAX_SECTION) {
        throw new CorruptPackException(where + " " + name, 0, "section length " + total + " out of range");
      }
      this.name = name;
      this.total = total;
      this.out = new ByteArrayOutputStream(Math.min(total, Frame.SECTION_PART));
    }

    /** True when complete. */
    boolean add(int partTotal, int offset, byte[] bytes) throws IOException {
      if (partTotal != total || offset != out.size() || bytes.length == 0) {
        throw new CorruptPackException(where + " " + name, offset, "part [" + offset + ", +" + bytes.length
            + ") of " + partTotal + " does not continue the " + out.size() + " bytes of " + total + " received");
      }
      out.write(bytes);
      return out.size() == total;
    }

    int size() {
      return out.size();
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
