/**
 * Running stock QEMU on a mounted appliance: the launcher, QMP client, snapshots and resumes, bootable disks, and
 * the test-guest builder.
 */
package dev.vad.qemu;
