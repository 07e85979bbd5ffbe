package io.mlplatform.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How an API key is known without being kept: its hex SHA-256. The access server stores only this; a gateway computes
 * it from the key a request presents, to look the key up (and to compare it with the node's admin key).
 */
public final class KeyDigest {
  private KeyDigest() {
  }

  /** The hex SHA-256 of a key as presented. */
  public static String of(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }
}
