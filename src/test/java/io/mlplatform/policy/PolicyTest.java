package io.mlplatform.policy;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.node.Settings;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("fast")
@DisplayName("Which permission each operation needs, and the anonymous caller's roles")
class PolicyTest {
  @Test
  @DisplayName("reads, predictions, writes and key management are told apart by the operation's name")
  void permissions() {
    for (String read : List.of("model.get", "model.list", "model.version.get", "dataset.version.preview",
        "execution.logs", "workflow.examples.list", "workflow.run.get", "workflow.run.list")) {
      assertThat(Policy.required(read)).as(read).isEqualTo(Permission.READ);
    }
    for (String predict : List.of("deployment.predict", "deployment.infer", "deployment.metadata")) {
      assertThat(Policy.required(predict)).as(predict).isEqualTo(Permission.PREDICT);
    }
    for (String write : List.of("model.create", "model.alias.set", "dataset.delete", "deployment.update",
        "execution.create", "execution.cancel", "workflow.run", "workflow.run.cancel", "workflow.examples.install")) {
      assertThat(Policy.required(write)).as(write).isEqualTo(Permission.WRITE);
    }
    assertThat(Policy.required("key.list")).isEqualTo(Permission.ADMIN);
  }

  @Test
  @DisplayName("a key is refused with permission_denied, the anonymous caller with unauthenticated; roles add up")
  void refusals() {
    Caller viewer = new Caller("key:v", "v", List.of("viewer"));
    assertThatThrownBy(() -> Policy.authorize(viewer, "model.create")).isInstanceOfSatisfying(McpException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
    assertThatThrownBy(() -> Policy.authorize(Caller.anonymous(List.of()), "model.list"))
        .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    Caller both = new Caller("key:b", "b", List.of("viewer", "predictor", "approver"));
    assertThatNoException().isThrownBy(() -> Policy.authorize(both, "deployment.predict"));
    assertThatNoException().isThrownBy(() -> Policy.authorize(both, "model.list"));
    assertThatThrownBy(() -> Policy.authorize(both, "workflow.run")).isInstanceOf(McpException.class);
    assertThatNoException().isThrownBy(() -> Policy.authorize(null, "key.list"));
  }

  @Test
  @DisplayName("anonymous callers are admins by default, have the configured roles, and none when keys are required")
  void anonymousRoles() {
    assertThat(Settings.of(Map.of()).anonymousRoles()).containsExactly("admin");
    assertThat(Settings.of(Map.of("MLP_ANONYMOUS_ROLES", "viewer, predictor")).anonymousRoles())
        .containsExactly("viewer", "predictor");
    assertThat(Settings.of(Map.of("MLP_AUTH_REQUIRED", "true")).anonymousRoles()).isEmpty();
  }
}
