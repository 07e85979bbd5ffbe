package io.mlplatform.cli;

/** Why a command failed, with the exit code a script sees: printed as {@code error: <code>: <message>}. */
final class CliFailure extends RuntimeException {
  static final int REFUSED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;
  static final int TIMED_OUT = 4;

  private final int exitCode;
  private final String code;

  CliFailure(int exitCode, String code, String message) {
    super(message);
    this.exitCode = exitCode;
    this.code = code;
  }

  /** The platform answered with an error: its code (invalid_argument, not_found, …) and message. */
  static CliFailure refused(String code, String message) {
    return new CliFailure(REFUSED, code, message);
  }

  /** An execution, run or deployment ended badly: {@code status} is failed or cancelled. */
  static CliFailure ended(String status, String message) {
    return new CliFailure(REFUSED, status, message);
  }

  static CliFailure usage(String message) {
    return new CliFailure(USAGE, "usage", message);
  }

  static CliFailure unreachable(String message) {
    return new CliFailure(UNREACHABLE, "unreachable", message);
  }

  static CliFailure timedOut(String message) {
    return new CliFailure(TIMED_OUT, "timeout", message);
  }

  int exitCode() {
    return exitCode;
  }

  String code() {
    return code;
  }
}
