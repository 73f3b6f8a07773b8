package dev.vad.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NettyVersionTest {
  @Test
  void theNettyOfThisBuildPasses() {
    assertThatCode(NettyVersion::check).doesNotThrowAnyException();
  }

  @Test
  void anotherLineOrMixedVersionsAreNamed() {
    assertThat(NettyVersion.problem(Map.of("netty-common", "4.2.18.Final", "netty-handler", "4.2.18.Final",
        "netty-tcnative-classes", "2.0.70.Final"))).isNull();
    assertThat(NettyVersion.problem(Map.of("netty-common", "4.2.21.Final", "netty-handler", "4.2.21.Final")))
        .isNull();
    assertThat(NettyVersion.problem(Map.of("netty-common", "4.1.115.Final", "netty-handler", "4.1.115.Final")))
        .contains("need Netty 4.2", "netty-common 4.1.115.Final", "mvn dependency:tree");
    assertThat(NettyVersion.problem(Map.of("netty-common", "4.2.10.Final"))).contains("need Netty 4.2");
    assertThat(NettyVersion.problem(Map.of("netty-common", "4.2.18.Final", "netty-handler", "4.2.12.Final")))
        .contains("different versions", "netty-handler 4.2.12.Final", "netty-bom");
    assertThat(NettyVersion.problem(Map.of())).as("shaded: nothing to compare").isNull();
    assertThat(NettyVersion.supported("5.0.0.Alpha2")).isFalse();
  }
}
