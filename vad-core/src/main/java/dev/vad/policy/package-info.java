/**
 * The prefetch policy SPI ({@link dev.vad.policy.PrefetchPolicy}, {@link dev.vad.policy.PrefetchPolicyProvider}),
 * what a policy sees ({@link dev.vad.policy.PolicyContext}, {@link dev.vad.policy.LinkEstimate}, typed {@link
 * dev.vad.policy.PolicyOptions}) and the {@link dev.vad.policy.Policies} registry (built in: {@code demand}, {@code
 * full}).
 */
package dev.vad.policy;
