package io.mlplatform.security;

import io.mlplatform.mcp.McpException;
import io.mlplatform.node.Settings;
import io.mlplatform.runtime.pmml.PmmlDocuments;
import io.mlplatform.support.TestNodes;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("fast")
@DisplayName("Defaults expose nothing: loopback while anonymous may write, a secret for a reachable cluster")
class ExposureTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("HTTP binds 127.0.0.1 while a call without a key may write, every interface once keys are needed")
  void httpHostFollowsAnonymousRoles() {
    assertThat(Settings.of(Map.of()).httpHost()).isEqualTo("127.0.0.1");
    assertThat(Settings.of(Map.of("MLP_ANONYMOUS_ROLES", "editor")).httpHost()).isEqualTo("127.0.0.1");
    assertThat(Settings.of(Map.of("MLP_ANONYMOUS_ROLES", "viewer")).httpHost()).isEqualTo("0.0.0.0");
    assertThat(Settings.of(Map.of("MLP_AUTH_REQUIRED", "true")).httpHost()).isEqualTo("0.0.0.0");
    assertThat(Settings.of(Map.of("MLP_HTTP_HOST", "127.0.0.1", "MLP_AUTH_REQUIRED", "true")).httpHost())
        .isEqualTo("127.0.0.1");
  }

  @Test
  @DisplayName("binding every interface with an anonymous admin is refused at start, saying what to set")
  void exposedAnonymousAdminRefused() {
    assertThatThrownBy(() -> TestNodes.start(dir, Map.of("MLP_HTTP_HOST", "0.0.0.0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MLP_AUTH_REQUIRED=true").hasMessageContaining("MLP_ANONYMOUS_ROLES=viewer");
    // nothing was started: the embedded stores' folders were never made
    assertThat(dir.resolve("mongo")).doesNotExist();
  }

  @Test
  @DisplayName("a cluster on a reachable interface without MLP_CLUSTER_SECRET is refused at start")
  void clusterNeedsSecret() {
    Map<String, String> reachable = new java.util.HashMap<>(TestNodes.clustered("hub", TestNodes.freePort(), "10.1.2.3",
        Map.of("MLP_AUTH_REQUIRED", "true")));
    reachable.put("MLP_CLUSTER_HOST", "10.1.2.3");
    assertThatThrownBy(() -> TestNodes.start(dir, reachable))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MLP_CLUSTER_SECRET");
    Settings loopback = Settings.of(TestNodes.clustered("hub", TestNodes.freePort(), "127.0.0.1", Map.of()));
    loopback.checkExposure();
  }

  @Test
  @DisplayName("pmml4s never sees a DOCTYPE: the runtime's and batch scoring's check refuses it in any encoding")
  void runtimeRefusesDoctype() throws Exception {
    String xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE PMML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        + "<PMML version=\"4.4\"><Header description=\"&x;\"/></PMML>";
    assertThatThrownBy(() -> PmmlDocuments.requireNoDoctype(xxe.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(McpException.class).hasMessageContaining("DOCTYPE");
    byte[] utf16 = xxe.replace("<?xml version=\"1.0\"?>", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>")
        .getBytes(StandardCharsets.UTF_16);
    assertThatThrownBy(() -> PmmlDocuments.requireNoDoctype(utf16)).isInstanceOf(McpException.class)
        .hasMessageContaining("DOCTYPE");
    Path file = Files.writeString(dir.resolve("m.pmml"), xxe);
    assertThatThrownBy(() -> io.mlplatform.runtime.pmml.PmmlModel.load(file, null))
        .isInstanceOf(McpException.class).hasMessageContaining("DOCTYPE");
    PmmlDocuments.requireNoDoctype(io.mlplatform.support.TestModels.pmmlRegression());
  }
}
