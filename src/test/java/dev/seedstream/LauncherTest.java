package dev.seedstream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 25 item 2: bin/seedstream, the README's run command, starts java with conf/jvm.options, then JAVA_OPTS,
 * then the class-data archive, then the jar and the gateway's own arguments. A stand-in java (JAVA_HOME) prints
 * the arguments it gets, so this runs without a built jar.
 */
@DisplayName("The launcher, bin/seedstream")
class LauncherTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("passes conf/jvm.options, then JAVA_OPTS, and uses the build's class-data archive when it is current, never writing one")
  void optionsThenJavaOptsThenJar() throws Exception {
    Path jar = standInJarAndJava();

    // No archive (a jar not built by mvn package): started without one, and no run writes one.
    List<String> first = launch(jar, "-Dextra=1");
    List<String> options = Files.readAllLines(Path.of("conf/jvm.options")).stream().map(String::strip)
      .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    assertThat(options).contains("-XX:+UseSerialGC", "-Xmn16m");
    assertThat(first).startsWith(options.toArray(String[]::new));
    assertThat(first.subList(options.size(), first.size())).containsExactly("-Xshare:auto", "-Dextra=1", "-jar",
      jar.toString());

    // The archive the build wrote (newer than the jar) is used, for a command such as migrate-store too.
    Path archive = Files.writeString(dir.resolve("seedstream.jsa"), "archive");
    assertThat(launch(jar, "", "migrate-store", "--dry-run")).endsWith("-XX:SharedArchiveFile=" + archive, "-jar",
      jar.toString(), "migrate-store", "--dry-run");
    // One older than the jar (a jar rebuilt or copied since) is not.
    Files.setLastModifiedTime(archive, FileTime.fromMillis(
      Files.getLastModifiedTime(jar).toMillis() - 60_000));
    assertThat(launch(jar, "")).contains("-Xshare:auto").noneMatch(arg -> arg.contains("seedstream.jsa"));
  }

  @Test
  @DisplayName("points the SQLite driver at the folder the build copied its library into, while the library is not older than the jar")
  void sqliteLibraryFromTheBuild() throws Exception {
    Path jar = standInJarAndJava();
    Path folder = Files.createDirectories(dir.resolve("sqlite-native"));
    // Only a partial copy or a stray file: the driver is left to extract its own.
    Files.writeString(folder.resolve("libsqlitejdbc.so.partial"), "half");
    Files.writeString(folder.resolve("libsqlitejdbc.so~"), "backup");
    assertThat(launch(jar, "")).noneMatch(arg -> arg.startsWith("-Dorg.sqlite."));

    // The library under the driver's own name: only the folder is passed, before JAVA_OPTS, which may override it.
    Path library = Files.writeString(folder.resolve("libsqlitejdbc.so"), "so");
    assertThat(launch(jar, "-Dextra=1")).containsSubsequence("-Dorg.sqlite.lib.path=" + folder, "-Dextra=1", "-jar")
      .filteredOn(arg -> arg.startsWith("-Dorg.sqlite.")).containsExactly("-Dorg.sqlite.lib.path=" + folder);

    // A jar named without a folder is looked for next to it, in the working directory.
    assertThat(launch(Path.of("seedstream.jar"), "", dir)).contains("-Dorg.sqlite.lib.path=./sqlite-native");

    Files.setLastModifiedTime(library, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
    assertThat(launch(jar, "")).noneMatch(arg -> arg.startsWith("-Dorg.sqlite."));
  }

  @Test
  @DisplayName("the build's class-data training run starts the gateway, serves it and stops it, silently, leaving no data behind but the SQLite library")
  void classDataTrainingIsSilentAndCleansUp() throws Exception {
    // As the package phase runs it (pom.xml), less the archive: the JVM archives classes from jars only, and the
    // classes under test are a folder here.
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Run training = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "@conf/jvm.options",
      "-XX:-AlwaysPreTouch", "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
      Main.class.getName(), ClassDataTraining.COMMAND, dir.resolve("sqlite-native").toString()));
    assertThat(training.status()).as(training.output()).isZero();
    assertThat(training.output()).isEmpty();
    // The SQLite driver's library for this machine, whole, under the driver's own name.
    try (var written = Files.list(dir.resolve("sqlite-native"))) {
      assertThat(written.map(path -> path.getFileName().toString())).containsExactly(
        org.sqlite.util.LibraryLoaderUtil.getNativeLibName());
    }
    assertThat(Files.size(dir.resolve("sqlite-native").resolve(org.sqlite.util.LibraryLoaderUtil.getNativeLibName())))
      .isGreaterThan(100_000);
    // Its data folder went with it (the SQLite driver's own library may stay in the temporary folder).
    try (var left = Files.list(tmp)) {
      assertThat(left.map(path -> path.getFileName().toString())).noneMatch(name -> name.startsWith("seedstream"));
    }
  }

  /** A stand-in jar, and a java under {@code dir/jdk} that prints its arguments one per line instead of running. */
  private Path standInJarAndJava() throws IOException {
    Path jar = Files.writeString(dir.resolve("seedstream.jar"), "stand-in");
    Files.createDirectories(dir.resolve("jdk/bin"));
    Path java = Files.writeString(dir.resolve("jdk/bin/java"), "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return jar;
  }

  private record Run(int status, String output) {
  }

  /** Output to a file, so that a child that never exits fails the test after a minute instead of hanging it. */
  private Run run(List<String> command) throws IOException, InterruptedException {
    Path output = dir.resolve("output.txt");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly().waitFor();
    }
    String out = Files.readString(output);
    assertThat(exited).as(out).isTrue();
    return new Run(process.exitValue(), out);
  }

  private List<String> launch(Path jar, String javaOpts, String... args) throws IOException, InterruptedException {
    return launch(jar, javaOpts, null, args);
  }

  /** bin/seedstream with the stand-in java, run in {@code workingDir} (the project's when null). */
  private List<String> launch(Path jar, String javaOpts, Path workingDir, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("sh", Path.of("bin/seedstream").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (workingDir != null) {
      builder.directory(workingDir.toFile());
    }
    builder.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
    builder.environment().put("SEEDSTREAM_JAR", jar.toString());
    builder.environment().put("JAVA_OPTS", javaOpts);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out.lines().toList();
  }
}
