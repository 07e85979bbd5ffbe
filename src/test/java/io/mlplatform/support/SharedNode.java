package io.mlplatform.support;

import io.mlplatform.Node;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gives a test class a running node: in its static fields marked {@link FromNode}, or as a {@link TestNode} parameter
 * (of a {@code @BeforeAll} method, say). A class without {@link NodeSettings} gets the node that every such class in
 * this test JVM shares: started on first use, closed when the JVM's tests end; so such a class names what it creates
 * after itself, asserts nothing about totals another class could change, and runs no Spark execution (see
 * {@link NodeSettings}). A class with {@link NodeSettings} gets its own node, closed after the class.
 */
public final class SharedNode implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedNode.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestNode.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return testNode(context);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IllegalAccessException {
    for (Field field : AnnotationSupport.findAnnotatedFields(context.getRequiredTestClass(), FromNode.class)) {
      if (!Modifier.isStatic(field.getModifiers())) {
        throw new IllegalStateException(field + " is marked @FromNode but is not static");
      }
      TestNode node = testNode(context);
      Class<?> type = field.getType();
      Object value = type == TestNode.class ? node : type == Node.class ? node.node()
          : type == Api.class ? (field.getAnnotation(FromNode.class).admin() ? node.admin() : node.api()) : null;
      if (value == null) {
        throw new IllegalStateException(field + " is marked @FromNode but is not a Node, TestNode or Api");
      }
      field.setAccessible(true);
      field.set(null, value);
    }
  }

  private static TestNode testNode(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent()) {
      classContext = classContext.getParent().orElseThrow();
    }
    Map<String, String> settings = AnnotationSupport.findAnnotation(classContext.getRequiredTestClass(), NodeSettings.class)
        .map(annotation -> parse(annotation.value())).orElse(null);
    if (settings == null) {
      return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("shared", key -> start(Map.of()), TestNode.class);
    }
    return classContext.getStore(NAMESPACE).getOrComputeIfAbsent("own", key -> start(settings), TestNode.class);
  }

  private static TestNode start(Map<String, String> settings) {
    try {
      return TestNode.start(settings);
    } catch (Exception e) {
      throw new IllegalStateException("the test node did not start", e);
    }
  }

  private static Map<String, String> parse(String[] settings) {
    Map<String, String> parsed = new LinkedHashMap<>();
    Arrays.stream(settings).forEach(setting -> {
      int equals = setting.indexOf('=');
      if (equals < 1) {
        throw new IllegalArgumentException("a node setting is NAME=value, not '" + setting + "'");
      }
      parsed.put(setting.substring(0, equals), setting.substring(equals + 1));
    });
    return parsed;
  }
}
