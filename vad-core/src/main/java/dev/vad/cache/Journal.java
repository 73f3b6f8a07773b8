package dev.vad.cache;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presence journal: an append-only file of 16-byte records, each {@code u8 type, 3 zero bytes, u64 payload,
 * u32 CRC32C of the first 12 bytes} (little-endian). Record 0 is a header carrying the format magic and version.
 *
 * <p>Payloads: a packed {@link dev.vad.ChunkKey} for PRESENT, DIRTY and DROP; for CHECKPOINT the number of records
 * before it whose data was forced to disk before it was appended (records appended while the data was being forced
 * are not covered); CLEAN_CLOSE covers every record before it.
 *
 * <p>Replay stops at the first record that is torn, fails its checksum or makes no sense, and cuts the file there:
 * after a power loss the tail may be incomplete or hold stale blocks, and nothing after a bad record is trusted.
 * Not thread-safe: the cache serializes appends.
 */
final class Journal implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  static final int RECORD_SIZE = 16;
  static final byte HEADER = 1;
  static final byte PRESENT = 2;
  static final byte DIRTY = 3;
  static final byte DROP = 4;
  static final byte CHECKPOINT = 5;
  static final byte CLEAN_CLOSE = 6;
  static final long MAGIC = 0x0000_0001_4a44_4156L; // "VADJ", format version 1 in the high half
  private static final int BLOCK_RECORDS = 4096;

  /** Receives each record during replay; returns false if the record makes no sense (it ends the replay). */
  interface Visitor {
    boolean accept(long index, byte type, long payload);
  }

  private final CacheFile file;
  private final ByteBuffer record = ByteBuffer.allocate(RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
  private final CRC32C crc = new CRC32C();
  private long records;
  private long droppedBytes;

  private Journal(CacheFile file) {
    this.file = file;
  }

  /** Opens (creating if needed) and replays the journal at {@code path}. */
  static Journal open(Path path, Visitor visitor) throws IOException {
    CacheFile f = CacheFile.open(path);
    try {
      Journal j = new Journal(f);
      j.replay(visitor);
      return j;
    } catch (IOException | RuntimeException e) {
      f.close();
      throw e;
    }
  }

  private void replay(Visitor visitor) throws IOException {
    long size = file.size();
    long whole = size / RECORD_SIZE;
    ByteBuffer block = ByteBuffer.allocate(RECORD_SIZE * BLOCK_RECORDS).order(ByteOrder.LITTLE_ENDIAN);
    long index = 0;
    String problem = null;
    while (index < whole && problem == null) {
      block.clear().limit((int) Math.min(whole - index, BLOCK_RECORDS) * RECORD_SIZE);
      file.readFully(block, index * RECORD_SIZE);
      block.flip();
      while (block.hasRemaining() && problem == null) {
        problem = decode(block, index, visitor);
        if (problem == null) {
          index++;
        }
      }
    }
    if (problem == null && size % RECORD_SIZE != 0) {
      problem = "a torn record of " + size % RECORD_SIZE + " bytes";
    }
    if (problem != null) {
      long keep = index * RECORD_SIZE;
      droppedBytes = size - keep;
      log.warn("journal {}: {} at byte {}; dropping the last {} bytes (expected after a crash; affected chunks are"
          + " fetched again)", file, problem, keep, droppedBytes);
      // Cut now: appending over a stale tail could leave old valid-looking records after the new ones.
      file.truncate(keep);
    }
    records = index;
    if (records == 0) {
      append(HEADER, MAGIC);
      file.force();
    }
  }

  /** Decodes the record at {@code b}'s position and advances; returns what is wrong with it, or null. */
  private String decode(ByteBuffer b, long index, Visitor visitor) throws IOException {
    int at = b.position();
    b.position(at + RECORD_SIZE);
    byte type = b.get(at);
    int reserved = b.get(at + 1) | b.get(at + 2) | b.get(at + 3);
    long payload = b.getLong(at + 4);
    crc.reset();
    crc.update(b.array(), b.arrayOffset() + at, 12);
    if ((int) crc.getValue() != b.getInt(at + 12)) {
      return "a record with a bad checksum";
    }
    if (reserved != 0 || type < HEADER || type > CLEAN_CLOSE) {
      return "a record of unknown type " + type;
    }
    if (index == 0) {
      if (type != HEADER || payload != MAGIC) {
        throw new IOException("journal " + file + " is not a vad cache journal of format " + (MAGIC >>> 32)
            + " (first record: type " + type + ", payload 0x" + Long.toHexString(payload)
            + "); delete the cache directory to start over");
      }
      return null;
    }
    if (type == HEADER) {
      return "a second header record";
    }
    if (type == CHECKPOINT && (payload < 1 || payload > index)) {
      return "a checkpoint covering " + payload + " records";
    }
    if (!visitor.accept(index, type, payload)) {
      return "a record (type " + type + ") naming chunk 0x" + Long.toHexString(payload)
          + " which this appliance does not have";
    }
    return null;
  }

  /** Bytes cut off the end of the journal when it was replayed. */
  long droppedBytes() {
    return droppedBytes;
  }

  /** Number of records, including the header. */
  long records() {
    return records;
  }

  /** Appends a record; on failure the journal is cut back to its previous length. */
  void append(byte type, long payload) throws IOException {
    record.clear();
    record.put(type).put((byte) 0).put((byte) 0).put((byte) 0).putLong(payload);
    crc.reset();
    crc.update(record.array(), 0, 12);
    record.putInt((int) crc.getValue()).flip();
    long pos = records * RECORD_SIZE;
    try {
      file.writeFully(record, pos);
    } catch (IOException | RuntimeException e) {
      try {
        file.truncate(pos);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    records++;
  }

  void force() throws IOException {
    file.force();
  }

  /** Makes the next {@link #force} flush even without an append from this instance. */
  void markUnforced() {
    file.markUnforced();
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
