package dev.seedstream.validation;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the fields of one JSON object with exact types: a number is not a string, {@code 3.0} and
 * {@code "3"} are not integers, and {@code null} is not a value. Every mismatch becomes a
 * violation at the field's full path; the caller only sees values that have the right type.
 */
final class JsonFields {

  private final JsonObject object;
  private final String prefix;
  private final Findings findings;

  JsonFields(JsonObject object, String prefix, Findings findings) {
    this.object = object;
    this.prefix = prefix;
    this.findings = findings;
  }

  String path(String key) {
    return prefix + key;
  }

  boolean has(String key) {
    return object.containsKey(key);
  }

  Object raw(String key) {
    return object.getValue(key);
  }

  void rejectUnknown(Set<String> known) {
    object.fieldNames().stream()
      .filter(name -> !known.contains(name))
      .sorted()
      .forEach(name -> findings.violation(path(name), "unknown field; accepted fields are " + known.stream().sorted().toList()));
  }

  Optional<String> string(String key) {
    return typed(key, String.class, "a string");
  }

  Optional<Boolean> bool(String key) {
    return typed(key, Boolean.class, "a boolean (true or false)");
  }

  Optional<JsonObject> object(String key) {
    return typed(key, JsonObject.class, "a JSON object");
  }

  Optional<Long> integer(String key) {
    Object value = object.getValue(key);
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return Optional.of(((Number) value).longValue());
    }
    if (value instanceof BigInteger big) {
      // Far outside any limit, but it is an integer: let the range check say so.
      return Optional.of(big.signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE);
    }
    complainIfPresent(key, "an integer");
    return Optional.empty();
  }

  private <T> Optional<T> typed(String key, Class<T> type, String expected) {
    Object value = object.getValue(key);
    if (type.isInstance(value)) {
      return Optional.of(type.cast(value));
    }
    complainIfPresent(key, expected);
    return Optional.empty();
  }

  private void complainIfPresent(String key, String expected) {
    if (object.containsKey(key)) {
      findings.violation(path(key), "must be " + expected + ", not " + describe(object.getValue(key)));
    }
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "the number " + value;
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    return value instanceof JsonObject ? "an object" : value.getClass().getSimpleName();
  }
}
