/**
 * What every service-provider registry shares: {@link dev.vad.spi.NamedRegistry} (names checked, loaded once,
 * failures recorded with their reason).
 */
package dev.vad.spi;
