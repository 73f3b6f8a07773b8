package dev.vad.transport.tcp.internal;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.ServedAppliance;
import dev.vad.transport.tcp.TestPacks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pack the server fuzz target serves, and the seed corpus of the vad+tcp fuzz targets, made from a real session:
 * {@code java -cp <test classpath> dev.vad.transport.tcp.internal.TcpFuzzSeeds vad-transport-tcp/src/test/resources}.
 */
public final class TcpFuzzSeeds {
  private TcpFuzzSeeds() {}

  /** A small pack (4 KiB chunks: stored, zero and duplicate ones, with a profile), open for the life of the JVM. */
  static PackReader servedPack() {
    try {
      Path dir = Files.createTempDirectory("vad-fuzz-");
      dir.toFile().deleteOnExit();
      Path pack = TestPacks.write(dir, 11, 4096, 12, true);
      pack.toFile().deleteOnExit();
      return PackReader.open(pack);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] encode(Frame... frames) {
    ByteBuf b = Unpooled.buffer();
    for (Frame f : frames) {
      ByteBuf one = FrameEncoder.encodeControl(ByteBufAllocator.DEFAULT, f);
      b.writeBytes(one);
      one.release();
    }
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  static byte[] concat(int control, byte[]... parts) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    bos.write(control);
    for (byte[] p : parts) {
      bos.writeBytes(p);
    }
    return bos.toByteArray();
  }

  public static void main(String[] args) throws IOException {
    Path res = Path.of(args[0]).resolve("dev/vad/transport/tcp/internal");
    try (PackReader pack = servedPack()) {
      ServedAppliance app = new ServedAppliance(pack, true);
      long k0 = ChunkKey.of(0, 0).packed();
      long k1 = ChunkKey.of(0, 1).packed();
      long k2 = ChunkKey.of(1, 2).packed();
      Frame.Hello hello = new Frame.Hello(Frame.MAGIC, Frame.VERSION, Frame.FLAG_WANT_MANIFEST,
          HexFormat.of().parseHex(app.id().hex()));
      byte[] requests = encode(new Frame.Request(1, Frame.PRIORITY_DEMAND, new long[] {k0}),
          new Frame.Request(2, Frame.PRIORITY_PREFETCH, new long[] {k1, k2, ChunkKey.of(0, 999).packed()}),
          new Frame.Request(3, Frame.PRIORITY_PROMOTE, new long[] {k2}), new Frame.Cancel(new long[] {k1}),
          new Frame.Ping(42));
      byte[] client = concat(0, encode(hello), requests);

      EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(ServerSessionFuzzTest.MAX_FRAME),
          FrameEncoder.INSTANCE, new ServerSession(Map.of(app.id(), app),
              new ServerLimits(ServerSessionFuzzTest.MAX_FRAME, 1024, 16, 10), new AtomicInteger()));
      ch.config().setMessageSizeEstimator(RegionSizeEstimator.INSTANCE);
      ch.writeInbound(Unpooled.wrappedBuffer(client, 1, client.length - 1));
      ch.runPendingTasks();
      byte[] server = outbound(ch);
      ch.finishAndReleaseAll();

      write(res, "FrameDecoderFuzzTestInputs/frames/client-session", client);
      write(res, "FrameDecoderFuzzTestInputs/frames/server-session", concat(7, server));
      write(res, "ServerSessionFuzzTestInputs/session/own-hello-and-requests", client);
      write(res, "ServerSessionFuzzTestInputs/session/requests-after-hello", concat(3, requests));
      write(res, "ServerSessionFuzzTestInputs/session/bad-frames-after-hello", concat(1,
          encode(new Frame.Ping(1)), new byte[] {5, 0, 0, 0, 0x10, 1, 0, 0, 0}, new byte[] {1, 0, 0, 0, 0x77},
          encode(new Frame.Pong(3), hello)));
    }
  }

  private static byte[] outbound(EmbeddedChannel ch) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
      if (o instanceof ByteBuf b) {
        byte[] x = new byte[b.readableBytes()];
        b.readBytes(x);
        bos.writeBytes(x);
        b.release();
      } else {
        FileRegion r = (FileRegion) o;
        WritableByteChannel sink = Channels.newChannel(bos);
        while (r.transferred() < r.count()) {
          r.transferTo(sink, r.transferred());
        }
        r.release();
      }
    }
    return bos.toByteArray();
  }

  private static void write(Path res, String name, byte[] bytes) throws IOException {
    Path p = res.resolve(name);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
  }
}
