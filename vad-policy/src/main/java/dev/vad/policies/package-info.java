/**
 * Prefetch policies {@code readahead}, {@code trace} (the recorded working set first, in order) and {@code oracle}
 * (simulation only), and {@link dev.vad.policies.ProfileBuilder}, which builds profiles from traces.
 */
package dev.vad.policies;
