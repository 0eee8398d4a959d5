package dev.seedstream.simulator;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.GraphicsEnvironment;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Draws the stand-in for a generated image: a colour that changes with the index, the image number
 * and the prompt, so a user watching the demo can tell the images of a group apart. Blocking
 * (Java2D and JPEG encoding): call it from a worker thread only.
 */
final class ImageRenderer {

  private static final float GOLDEN_RATIO_STEP = 0.618034f;
  private static final int MAX_PROMPT_LINES = 6;
  private static final int MAX_PROMPT_CHARS = 400;
  private static final String ELLIPSIS = "…";
  /** A font that can show Chinese if the machine has one; the label falls back to "#N" otherwise. */
  private static final String FAMILY = chooseFamily();

  private ImageRenderer() {
  }

  static byte[] render(ImageRecipe recipe) {
    BufferedImage image = new BufferedImage(recipe.pixelWidth(), recipe.pixelHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      paintBackground(g, recipe);
      paintLabel(g, recipe);
      paintPrompt(g, recipe);
      paintFooter(g, recipe);
    } finally {
      g.dispose();
    }
    return encode(image);
  }

  private static void paintBackground(Graphics2D g, ImageRecipe recipe) {
    float hue = (Math.floorMod(recipe.prompt().hashCode(), 97) / 97f + recipe.index() * GOLDEN_RATIO_STEP) % 1f;
    Color top = Color.getHSBColor(hue, 0.55f, 0.85f);
    Color bottom = Color.getHSBColor(hue, 0.75f, 0.45f);
    g.setPaint(new GradientPaint(0, 0, top, 0, recipe.pixelHeight(), bottom));
    g.fillRect(0, 0, recipe.pixelWidth(), recipe.pixelHeight());
  }

  private static void paintLabel(Graphics2D g, ImageRecipe recipe) {
    int side = Math.min(recipe.pixelWidth(), recipe.pixelHeight());
    Font font = new Font(FAMILY, Font.BOLD, Math.max(8, side / 5));
    String label = font.canDisplayUpTo("图") < 0 ? "图 " + (recipe.index() + 1) : "#" + (recipe.index() + 1);
    g.setFont(font);
    g.setColor(Color.WHITE);
    FontMetrics metrics = g.getFontMetrics();
    int x = (recipe.pixelWidth() - metrics.stringWidth(label)) / 2;
    g.drawString(label, x, recipe.pixelHeight() / 3 + metrics.getAscent() / 2);
  }

  private static void paintPrompt(Graphics2D g, ImageRecipe recipe) {
    int side = Math.min(recipe.pixelWidth(), recipe.pixelHeight());
    g.setFont(new Font(FAMILY, Font.PLAIN, Math.max(6, side / 22)));
    g.setColor(new Color(255, 255, 255, 230));
    FontMetrics metrics = g.getFontMetrics();
    int margin = recipe.pixelWidth() / 12;
    List<String> lines = wrap(recipe.prompt(), metrics, recipe.pixelWidth() - 2 * margin);
    int y = recipe.pixelHeight() / 2 + metrics.getHeight();
    for (String line : lines) {
      g.drawString(line, margin, y);
      y += metrics.getHeight();
    }
  }

  private static void paintFooter(Graphics2D g, ImageRecipe recipe) {
    int side = Math.min(recipe.pixelWidth(), recipe.pixelHeight());
    g.setFont(new Font(FAMILY, Font.PLAIN, Math.max(6, side / 32)));
    g.setColor(new Color(255, 255, 255, 180));
    String footer = "Seedstream simulator · " + recipe.size().label();
    g.drawString(footer, recipe.pixelWidth() / 12, recipe.pixelHeight() - g.getFontMetrics().getDescent() - 4);
  }

  /** Greedy wrap that prefers spaces but can break anywhere, because Chinese prompts have none. */
  private static List<String> wrap(String text, FontMetrics metrics, int width) {
    List<String> lines = new ArrayList<>();
    String rest = text.strip().replaceAll("\\s+", " ");
    // Six lines never hold more than this; measuring the whole of a long prompt would only cost time.
    rest = rest.substring(0, Math.min(rest.length(), MAX_PROMPT_CHARS));
    while (!rest.isEmpty() && lines.size() < MAX_PROMPT_LINES) {
      int end = fittingLength(rest, metrics, width);
      int space = rest.lastIndexOf(' ', end);
      int cut = end < rest.length() && space > 0 ? space : end;
      lines.add(rest.substring(0, cut));
      rest = rest.substring(cut).strip();
    }
    if (!rest.isEmpty()) {
      lines.set(lines.size() - 1, truncate(lines.get(lines.size() - 1), metrics, width));
    }
    return lines;
  }

  private static int fittingLength(String text, FontMetrics metrics, int width) {
    int end = 1;
    while (end < text.length() && metrics.stringWidth(text.substring(0, end + 1)) <= width) {
      end++;
    }
    return end;
  }

  private static String truncate(String line, FontMetrics metrics, int width) {
    String cut = line;
    while (cut.length() > 1 && metrics.stringWidth(cut + ELLIPSIS) > width) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut + ELLIPSIS;
  }

  private static byte[] encode(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "jpg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String chooseFamily() {
    return Arrays.stream(GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames())
      .filter(family -> new Font(family, Font.PLAIN, 12).canDisplayUpTo("图像") < 0)
      .findFirst()
      .orElse(Font.SANS_SERIF);
  }
}
