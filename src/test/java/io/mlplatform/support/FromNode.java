package io.mlplatform.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a static field {@link SharedNode} fills before the class's {@code @BeforeAll} methods run, from the class's
 * node: a {@link io.mlplatform.Node}, a {@link TestNode}, or an {@link Api} (without a key, or with the admin key).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface FromNode {
  /** For an {@link Api}: whether it calls with the node's admin key. */
  boolean admin() default false;
}
