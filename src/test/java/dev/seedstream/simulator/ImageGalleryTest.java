package dev.seedstream.simulator;

import dev.seedstream.Gateway;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ImageGalleryTest {

  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Gateway.newVertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @Test
  @DisplayName("an image the cache let go is drawn again from its recipe, byte for byte")
  void evictedImageIsDrawnAgain() {
    ImageGallery gallery = new ImageGallery(vertx, 60_000, 1);
    ImageRecipe first = new ImageRecipe("a red kite", 0, new ImageSize(2048, 2048), 16);
    ImageRecipe second = new ImageRecipe("a red kite", 1, new ImageSize(2048, 2048), 16);
    byte[] firstJpeg = gallery.render(first).await();
    gallery.publish("req_0", first, firstJpeg);
    gallery.publish("req_1", second, gallery.render(second).await());

    byte[] again = gallery.jpeg("req_0").await();

    assertThat(again).isEqualTo(firstJpeg);
    assertThat(again).isNotEqualTo(gallery.jpeg("req_1").await());
  }

  @Test
  @DisplayName("a published URL is signed for its token and expiry only")
  void signedUrl() {
    ImageGallery gallery = new ImageGallery(vertx, 60_000, ImageGallery.CACHE_BYTES);
    ImageRecipe recipe = new ImageRecipe("p", 0, new ImageSize(2048, 2048), 16);

    String path = gallery.publish("req_0", recipe, new byte[] {1});

    long expires = Long.parseLong(path.replaceAll(".*expires=(\\d+).*", "$1"));
    String sig = path.replaceAll(".*sig=([0-9a-f]+)$", "$1");
    assertThat(path).startsWith("/images/req_0.jpeg?X-Tos-Expires=60&expires=");
    assertThat(gallery.grants("req_0", expires, sig)).isTrue();
    assertThat(gallery.grants("req_1", expires, sig)).isFalse();
    assertThat(gallery.grants("req_0", expires + 1, sig)).isFalse();
    assertThat(gallery.knows("req_0")).isTrue();
    assertThat(gallery.knows("req_1")).isFalse();
  }
}
