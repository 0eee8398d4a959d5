package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class UploadStoreTest {

  private static final Duration TTL = Duration.ofMinutes(10);
  private static final ImageInfo INFO = new ImageInfo("png", 20, 20);

  private final MutableClock clock = new MutableClock();

  @Test
  @DisplayName("an upload is kept with its description and a random 128-bit URL-safe id")
  void storesUploads() {
    var store = new UploadStore(TTL, 1000, 1000, clock);
    byte[] content = TestImages.png(20, 20);
    Upload upload = store.put("client", content, INFO);
    assertThat(upload).isEqualTo(new Upload(upload.id(), "png", 20, 20, content.length));
    assertThat(upload.id()).matches("[A-Za-z0-9_-]{22}");
    assertThat(store.get(upload.id())).hasValueSatisfying(stored -> {
      assertThat(stored.upload()).isEqualTo(upload);
      assertThat(stored.content()).isEqualTo(content);
    });
    assertThat(store.get("not-an-id")).isEmpty();
  }

  @Test
  @DisplayName("ids do not repeat")
  void idsAreUnique() {
    var store = new UploadStore(TTL, 1_000_000, 1_000_000, clock);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      ids.add(store.put("client", new byte[1], INFO).id());
    }
    assertThat(ids).hasSize(2000);
  }

  @Test
  @DisplayName("an upload expires exactly when its time to live has passed")
  void expiresWithTheClock() {
    var store = new UploadStore(TTL, 1000, 1000, clock);
    Upload upload = store.put("client", new byte[10], INFO);
    clock.advance(TTL.minusMillis(1));
    assertThat(store.get(upload.id())).isPresent();
    clock.advance(Duration.ofMillis(1));
    assertThat(store.get(upload.id())).isEmpty();
    assertThat(store.totalBytes()).isZero();
  }

  @Test
  @DisplayName("when the byte budget is reached the oldest uploads go first")
  void dropsOldestWhenFull() {
    var store = new UploadStore(TTL, 100, 100, clock);
    Upload first = store.put("client", new byte[40], INFO);
    Upload second = store.put("client", new byte[40], INFO);
    Upload third = store.put("client", new byte[40], INFO);
    assertThat(store.get(first.id())).isEmpty();
    assertThat(store.get(second.id())).isPresent();
    assertThat(store.get(third.id())).isPresent();
    assertThat(store.totalBytes()).isEqualTo(80);
  }

  @Test
  @DisplayName("an upload larger than the whole budget is refused with 413 payload_too_large")
  void refusesWhatCannotFit() {
    var store = new UploadStore(TTL, 100, 100, clock);
    Upload kept = store.put("client", new byte[60], INFO);
    ApiException error = catchThrowableOfType(ApiException.class, () -> store.put("client", new byte[101], INFO));
    assertThat(error.status()).isEqualTo(413);
    assertThat(error.code()).isEqualTo("payload_too_large");
    assertThat(store.get(kept.id())).as("a refused upload evicts nothing").isPresent();
  }

  @Test
  @DisplayName("item 6: one client reaching its share gives back its own oldest uploads, never another client's")
  void clientsCannotPushOutEachOther() {
    var store = new UploadStore(TTL, 100, 50, clock);
    Upload other = store.put("address:10.0.0.2", new byte[40], INFO);
    Upload first = store.put("address:10.0.0.1", new byte[30], INFO);
    Upload second = store.put("address:10.0.0.1", new byte[30], INFO);
    assertThat(store.get(first.id())).as("the same client's oldest goes").isEmpty();
    assertThat(store.get(second.id())).isPresent();
    assertThat(store.get(other.id())).as("another client's upload stays").isPresent();
  }

  @Test
  @DisplayName("item 6: when the store is full of other clients' uploads, a newcomer gets 503 and evicts nothing")
  void fullOfOthersIsRefused() {
    var store = new UploadStore(TTL, 100, 50, clock);
    Upload a = store.put("a", new byte[50], INFO);
    Upload b = store.put("b", new byte[50], INFO);
    ApiException error = catchThrowableOfType(ApiException.class, () -> store.put("c", new byte[10], INFO));
    assertThat(error.status()).isEqualTo(503);
    assertThat(error.retryAfterSeconds()).isPositive();
    assertThat(store.get(a.id())).isPresent();
    assertThat(store.get(b.id())).isPresent();
    clock.advance(TTL);
    assertThat(store.put("c", new byte[10], INFO)).isNotNull();
  }
}
