package io.mlplatform.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Settings a test class needs its node to have, as {@code "MLP_NAME=value"}, on top of the test defaults: the class
 * then gets a node of its own from {@link SharedNode}, started before its first test and closed after its last.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface NodeSettings {
  String[] value();
}
