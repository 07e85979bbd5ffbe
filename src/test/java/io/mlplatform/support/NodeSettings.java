package io.mlplatform.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that needs a node of its own from {@link SharedNode}, started before its first test and closed after
 * its last, with these settings ({@code "MLP_NAME=value"}) on top of the test defaults. A class that runs Spark
 * executions needs one even without settings: a JVM has one Spark session, held by the node that started it until that
 * node closes, so a node started later in the JVM would be given the shared node's session and its object store.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface NodeSettings {
  String[] value() default {};
}
