/**
 * The pack file: writing ({@link dev.vad.pack.PackWriter}), reading with every length and checksum checked ({@link
 * dev.vad.pack.PackReader}), the binary forms of the manifest and profile, and named profile files ({@link
 * dev.vad.pack.ProfileFile}). Format: docs/pack-format.md.
 */
package dev.vad.pack;
