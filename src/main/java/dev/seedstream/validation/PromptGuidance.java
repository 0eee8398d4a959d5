package dev.seedstream.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The seed's recommended prompt length (docs/upstream-protocol.md §2.3). Longer prompts are legal but
 * "scatter the information", so going over the recommendation produces warnings, never a rejection.
 */
public record PromptGuidance(int maxChineseChars, int maxEnglishWords) {

  private static final Pattern ENGLISH_WORD = Pattern.compile("[A-Za-z]+(?:['’-][A-Za-z]+)*");

  public List<String> advice(String prompt) {
    List<String> warnings = new ArrayList<>();
    long chinese = prompt.codePoints().filter(PromptGuidance::isHan).count();
    if (chinese > maxChineseChars) {
      warnings.add("prompt has " + chinese + " Chinese characters; the model works best with at most "
        + maxChineseChars + " and may ignore details");
    }
    long words = ENGLISH_WORD.matcher(prompt).results().count();
    if (words > maxEnglishWords) {
      warnings.add("prompt has " + words + " English words; the model works best with at most "
        + maxEnglishWords + " and may ignore details");
    }
    return warnings;
  }

  private static boolean isHan(int codePoint) {
    return Character.UnicodeScript.of(codePoint) == Character.UnicodeScript.HAN;
  }
}
