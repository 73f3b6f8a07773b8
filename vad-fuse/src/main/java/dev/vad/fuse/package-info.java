/**
 * A FUSE mount of a streaming appliance: one file per image; a read blocks only until its chunks are here.
 */
package dev.vad.fuse;
