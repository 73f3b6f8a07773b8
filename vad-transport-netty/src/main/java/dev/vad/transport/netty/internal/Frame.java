package dev.vad.transport.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import java.util.Arrays;
import java.util.Objects;

/**
 * The frames of the vad+tcp protocol (see {@code docs/protocol.md}). All integers are little-endian on the wire.
 * Frames that carry a {@link ByteBuf} or {@link FileRegion} own it: whoever holds the frame releases it (the encoder
 * hands it on to the channel, the client hands a CHUNK's buffer to its listener, which releases it after decoding).
 */
public sealed interface Frame {
  /** Frame type codes; a code never changes meaning. */
  byte HELLO = 0x01;
  byte HELLO_OK = 0x02;
  byte MANIFEST = 0x03;
  byte PROFILE = 0x04;
  byte REQUEST = 0x10;
  byte CANCEL = 0x11;
  byte CHUNK = 0x12;
  byte ERROR = 0x20;
  byte PING = 0x30;
  byte PONG = 0x31;

  int MAGIC = 0x54444156; // "VADT" as little-endian bytes
  int VERSION = 1;
  /** HELLO flag: send MANIFEST and PROFILE after HELLO_OK. */
  int FLAG_WANT_MANIFEST = 1;
  /**
   * HELLO_OK flag: the server understands {@link #PRIORITY_PROMOTE}. Clients of servers without it promote with a
   * demand REQUEST, which the server answers a second time if it wrote the prefetch answer already.
   */
  int FLAG_PROMOTE = 2;
  /** Bytes of the length prefix. */
  int LENGTH_BYTES = 4;
  /** Bytes of a CHUNK frame between the length prefix and the stored bytes (type, request id, key). */
  int CHUNK_HEADER = 1 + 4 + 8;
  /** Largest section payload in one MANIFEST/PROFILE frame, so that every conforming receiver accepts it. */
  int SECTION_PART = 1 << 20;
  /** The smallest max-frame setting a peer may use: a full section part plus its header fits. */
  int MIN_MAX_FRAME = SECTION_PART + 64;
  /** The max-frame setting of servers and clients unless told otherwise: 8 MiB, room for a 4 MiB chunk and more. */
  int DEFAULT_MAX_FRAME = 8 << 20;
  /** Key value meaning "no key" in an ERROR frame (the top bit is never set in a valid packed key). */
  long NO_KEY = -1L;
  int MAX_ERROR_MESSAGE = 1024;

  /** Priority classes on the wire. */
  int PRIORITY_DEMAND = 0;
  int PRIORITY_PREFETCH = 1;
  /**
   * Not a request for bytes: moves keys the server still has queued as prefetch to the demand class; a key it is not
   * holding (its answer already written, or never asked for) is ignored. Only to servers that sent
   * {@link #FLAG_PROMOTE}.
   */
  int PRIORITY_PROMOTE = 2;

  /** HELLO flag: a bearer token follows the appliance id ({@code u16 length} then the bytes). */
  int FLAG_TOKEN = 2;
  /** Longest bearer token in a HELLO, in bytes. */
  int MAX_TOKEN = 512;

  /**
   * {@code token} is empty when the client has none; a non-empty token sets {@link #FLAG_TOKEN} in {@code flags}.
   * {@link #toString} never shows the token.
   */
  record Hello(int magic, int version, int flags, byte[] applianceId, byte[] token) implements Frame {
    public Hello {
      if (applianceId.length != 32) {
        throw new IllegalArgumentException("appliance id must be 32 bytes: " + applianceId.length);
      }
      if (token.length > MAX_TOKEN) {
        throw new IllegalArgumentException("a token is at most " + MAX_TOKEN + " bytes: " + token.length);
      }
      flags = token.length > 0 ? flags | FLAG_TOKEN : flags & ~FLAG_TOKEN;
    }

    /** A HELLO without a token. */
    public Hello(int magic, int version, int flags, byte[] applianceId) {
      this(magic, version, flags, applianceId, new byte[0]);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Hello h && h.magic == magic && h.version == version && h.flags == flags
          && Arrays.equals(h.applianceId, applianceId) && Arrays.equals(h.token, token);
    }

    @Override
    public int hashCode() {
      return Objects.hash(magic, version, flags, Arrays.hashCode(applianceId), Arrays.hashCode(token));
    }

    @Override
    public String toString() {
      return "Hello[magic=0x" + Integer.toHexString(magic) + ", version=" + version + ", flags=" + flags
          + ", token=" + (token.length == 0 ? "none" : token.length + " bytes") + "]";
    }
  }

  record HelloOk(int version, int maxFrame, int flags) implements Frame {}

  /** One part of the encoded manifest; {@code dataLength} is the pack's data-section length (for validation). */
  record ManifestPart(long dataLength, int total, int offset, byte[] bytes) implements Frame {
    @Override
    public boolean equals(Object o) {
      return o instanceof ManifestPart m && m.dataLength == dataLength && m.total == total && m.offset == offset
          && Arrays.equals(m.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return Objects.hash(dataLength, total, offset, Arrays.hashCode(bytes));
    }
  }

  /** One part of the encoded profile; {@code total == 0} means the appliance has no profile. */
  record ProfilePart(int total, int offset, byte[] bytes) implements Frame {
    @Override
    public boolean equals(Object o) {
      return o instanceof ProfilePart p && p.total == total && p.offset == offset && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return Objects.hash(total, offset, Arrays.hashCode(bytes));
    }
  }

  record Request(int requestId, int priority, long[] keys) implements Frame {
    public boolean demand() {
      return priority == PRIORITY_DEMAND;
    }

    public boolean promote() {
      return priority == PRIORITY_PROMOTE;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Request r && r.requestId == requestId && r.priority == priority
          && Arrays.equals(r.keys, keys);
    }

    @Override
    public int hashCode() {
      return Objects.hash(requestId, priority, Arrays.hashCode(keys));
    }
  }

  record Cancel(long[] keys) implements Frame {
    @Override
    public boolean equals(Object o) {
      return o instanceof Cancel c && Arrays.equals(c.keys, keys);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(keys);
    }
  }

  /** A chunk's stored bytes in a buffer (decoded frames, and stores that are not packs). */
  record Chunk(int requestId, long key, ByteBuf data) implements Frame {}

  /** A chunk's stored bytes as a zero-copy file region (server side, packs only). */
  record ChunkRegion(int requestId, long key, FileRegion region) implements Frame {}

  record Error(int code, boolean fatal, int requestId, long key, String message) implements Frame {
    public Error {
      Objects.requireNonNull(message, "message");
    }
  }

  record Ping(long payload) implements Frame {}

  record Pong(long payload) implements Frame {}

  /**
   * Not a wire frame: what the decoder emits for a frame it could not accept. {@code fatal} means the byte stream
   * can no longer be trusted (the decoder discards everything after it) and the connection must be closed.
   */
  record Malformed(int code, boolean fatal, String message) implements Frame {}
}
