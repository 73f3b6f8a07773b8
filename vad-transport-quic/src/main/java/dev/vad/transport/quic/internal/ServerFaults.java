package dev.vad.transport.quic.internal;

/**
 * Test-only fault injection for the QUIC server (a UDP relay cannot see into encrypted frames, so the network-fault
 * cases of the transport contract are made at the source). Asked for every key the server is about to answer.
 */
public interface ServerFaults {
  enum Fault {
    /** Answer normally. */
    NONE,
    /** Write the frame header and half the stored bytes, then close the whole connection. */
    CUT_MID_FRAME,
    /** Write a frame whose length field says ~2 GiB, then the real bytes; keep the connection. */
    OVERSIZE_LENGTH
  }

  ServerFaults NONE = key -> Fault.NONE;

  Fault faultFor(long key);
}
