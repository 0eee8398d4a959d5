package dev.seedstream.store;

import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The SQLite driver's native library for this machine, copied out of the jar once, by the build. Left to itself the
 * driver copies it into the temporary folder at every start and reads both copies back to compare them, byte by
 * byte: about 0.1 s of the one core start-up runs on. bin/seedstream points the driver at this copy
 * ({@code -Dorg.sqlite.lib.path}); where it cannot load it (a copy from another machine), the driver falls back to
 * its own way.
 */
public final class SqliteNativeLibrary {

  private SqliteNativeLibrary() {
  }

  /**
   * Writes the library the driver would load on this machine into {@code dir}, under the driver's own name for it,
   * whole or not at all (a partial copy is moved into place only once written). Nothing when the driver bundles no
   * library for this platform.
   */
  public static void copyTo(Path dir) throws IOException {
    String name = LibraryLoaderUtil.getNativeLibName();
    try (InputStream library = SQLiteJDBCLoader.class.getResourceAsStream(LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name)) {
      if (library == null) {
        return;
      }
      Files.createDirectories(dir);
      Path partial = dir.resolve(name + ".partial");
      Files.copy(library, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }
}
