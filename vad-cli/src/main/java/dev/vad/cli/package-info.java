/**
 * The {@code vad} command line (picocli): one class per subcommand, shared option mixins, and the only logging
 * binding in the project. Not an API: use the library modules to embed vad.
 */
package dev.vad.cli;
