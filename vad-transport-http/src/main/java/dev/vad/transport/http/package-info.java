/**
 * The {@code http} and {@code https} transports: a pack as a static file on any web server, object store or CDN,
 * read with range requests (HTTP/1.1, or HTTP/2 over TLS through ALPN).
 */
package dev.vad.transport.http;
