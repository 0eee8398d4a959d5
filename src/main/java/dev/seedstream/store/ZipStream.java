package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Writes a zip of stored images (files or bucket objects) to a stream, image by image with backpressure, never holding more than a
 * read buffer. Entries are STORED (JPEG and PNG do not compress further) and their CRC-32 and sizes are
 * known before the first byte, so the local headers carry them and no data descriptors are needed; the
 * whole length is known in advance too, which gives the download a Content-Length.
 */
public final class ZipStream {

  /** One stored image in the archive. */
  public record Entry(String name, StoredImage image) {
    byte[] nameBytes() {
      return name.getBytes(StandardCharsets.UTF_8);
    }

    long size() {
      return image.bytes();
    }

    long crc32() {
      return image.crc32();
    }

    long modifiedMs() {
      return image.storedAtMs();
    }
  }

  private static final int LOCAL_HEADER = 30;
  private static final int CENTRAL_HEADER = 46;
  private static final int END_RECORD = 22;
  private static final long ZIP32_LIMIT = 0xFFFFFFFFL;
  private static final int UTF8_NAMES = 1 << 11;

  private ZipStream() {
  }

  /** The exact byte length of the archive; fails for archives that would need ZIP64. */
  public static long length(List<Entry> entries) {
    long total = END_RECORD;
    for (Entry entry : entries) {
      total += LOCAL_HEADER + CENTRAL_HEADER + 2L * entry.nameBytes().length + entry.size();
    }
    if (total >= ZIP32_LIMIT || entries.size() >= 0xFFFF) {
      throw new IllegalArgumentException("the archive would be over 4 GiB");
    }
    return total;
  }

  /** Writes the archive; does not end {@code out}. Fails if an image's bytes are missing or shorter. */
  public static Future<Void> write(ImageArchive archive, List<Entry> entries, WriteStream<Buffer> out) {
    Future<Long> offset = Future.succeededFuture(0L);
    long[] offsets = new long[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      int at = i;
      offset = offset.compose(written -> {
        offsets[at] = written;
        return writeEntry(archive, entries.get(at), out).map(written + LOCAL_HEADER + entries.get(at).nameBytes().length
          + entries.get(at).size());
      });
    }
    return offset.compose(centralStart -> out.write(centralDirectory(entries, offsets, centralStart)));
  }

  private static Future<Void> writeEntry(ImageArchive archive, Entry entry, WriteStream<Buffer> out) {
    return out.write(localHeader(entry)).compose(v -> archive.copy(entry.image(), 0, entry.size(), out));
  }

  private static Buffer localHeader(Entry entry) {
    byte[] name = entry.nameBytes();
    Buffer header = Buffer.buffer(LOCAL_HEADER + name.length).appendIntLE(0x04034b50).appendShortLE((short) 10)
      .appendShortLE((short) UTF8_NAMES).appendShortLE((short) 0);
    appendDosTime(header, entry.modifiedMs());
    return header.appendIntLE((int) entry.crc32()).appendIntLE((int) entry.size()).appendIntLE((int) entry.size())
      .appendShortLE((short) name.length).appendShortLE((short) 0).appendBytes(name);
  }

  private static Buffer centralDirectory(List<Entry> entries, long[] offsets, long start) {
    Buffer directory = Buffer.buffer();
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      byte[] name = entry.nameBytes();
      directory.appendIntLE(0x02014b50).appendShortLE((short) 20).appendShortLE((short) 10)
        .appendShortLE((short) UTF8_NAMES).appendShortLE((short) 0);
      appendDosTime(directory, entry.modifiedMs());
      directory.appendIntLE((int) entry.crc32()).appendIntLE((int) entry.size()).appendIntLE((int) entry.size())
        .appendShortLE((short) name.length).appendShortLE((short) 0).appendShortLE((short) 0)
        .appendShortLE((short) 0).appendShortLE((short) 0).appendIntLE(0).appendIntLE((int) offsets[i])
        .appendBytes(name);
    }
    int size = directory.length();
    return directory.appendIntLE(0x06054b50).appendShortLE((short) 0).appendShortLE((short) 0)
      .appendShortLE((short) entries.size()).appendShortLE((short) entries.size()).appendIntLE(size)
      .appendIntLE((int) start).appendShortLE((short) 0);
  }

  /** MS-DOS time and date, in UTC (zip has no time zone; UTC at least is the same for everyone). */
  private static void appendDosTime(Buffer buffer, long epochMs) {
    LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
    int year = Math.max(1980, t.getYear());
    buffer.appendShortLE((short) ((t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2)));
    buffer.appendShortLE((short) (((year - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth()));
  }
}
