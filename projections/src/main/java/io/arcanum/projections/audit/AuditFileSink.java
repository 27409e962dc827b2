package io.arcanum.projections.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Where a file audit device writes: JSON lines appended to a file (created with mode 0600 when the
 * file system allows), or standard output for {@code file_path: stdout}, as in Vault. The file is
 * reopened when it was moved or removed (log rotation), checked before every batch.
 */
public final class AuditFileSink implements AutoCloseable {

  private final String filePath;
  private FileChannel channel;
  private Object fileKey;

  /**
   * @param filePath a file path, or {@code stdout}
   */
  public AuditFileSink(String filePath) {
    this.filePath = filePath;
  }

  /**
   * Appends lines and forces them to the device.
   *
   * @param lines JSON lines without their newline
   * @throws IOException when the file cannot be opened or written (full disk, no permission)
   */
  public synchronized void write(List<String> lines) throws IOException {
    if (filePath.equals("stdout")) {
      PrintStream out = System.out;
      lines.forEach(out::println);
      out.flush();
      return;
    }
    ensureOpen();
    StringBuilder sb = new StringBuilder();
    lines.forEach(l -> sb.append(l).append('\n'));
    ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    channel.force(false);
  }

  private void ensureOpen() throws IOException {
    Path path = Path.of(filePath);
    Object key = null;
    try {
      key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      // moved or removed: reopen below
    }
    if (channel != null && key != null && key.equals(fileKey)) {
      return;
    }
    close();
    if (path.getParent() != null) {
      Files.createDirectories(path.getParent());
    }
    channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    if (Files.getFileStore(path).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
  }

  @Override
  public synchronized void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // closing a broken channel: nothing more to do
      }
      channel = null;
    }
  }
}
