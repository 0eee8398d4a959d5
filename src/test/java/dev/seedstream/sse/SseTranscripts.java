package dev.seedstream.sse;

/** Byte-exact upstream transcripts T1, T3, T4 and T7 of docs/upstream-protocol.md §4.7 (LF line ends). */
final class SseTranscripts {

  static final String T1 = """
      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":1757396757,"image_index":0,"url":"https://ark-content-generation-v2-cn-beijing.tos-cn-beijing.volces.com/doubao-seedream-4-5/021757396730000aaaa_0.jpeg?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Expires=86400&X-Tos-SignedHeaders=host","size":"2496x1664"}

      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":1757396785,"image_index":1,"url":"https://ark-content-generation-v2-cn-beijing.tos-cn-beijing.volces.com/doubao-seedream-4-5/021757396730000aaaa_1.jpeg?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Expires=86400&X-Tos-SignedHeaders=host","size":"2496x1664"}

      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":1757396825,"image_index":2,"url":"https://ark-content-generation-v2-cn-beijing.tos-cn-beijing.volces.com/doubao-seedream-4-5/021757396730000aaaa_2.jpeg?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Expires=86400&X-Tos-SignedHeaders=host","size":"2496x1664"}

      event: image_generation.completed
      data: {"type":"image_generation.completed","model":"doubao-seedream-4-5-251128","created":1757396825,"usage":{"generated_images":3,"output_tokens":48672,"total_tokens":48672}}

      data: [DONE]

      """;

  static final String T3 = """
      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-0-250828","created":1757396757,"image_index":0,"url":"https://…_0.jpeg?…","size":"2048x2048"}

      event: image_generation.partial_failed
      data: {"type":"image_generation.partial_failed","model":"doubao-seedream-4-0-250828","created":1757396771,"image_index":1,"error":{"code":"OutputImageSensitiveContentDetected","message":"The request failed because the output image may contain sensitive information."}}

      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-0-250828","created":1757396799,"image_index":2,"url":"https://…_2.jpeg?…","size":"2048x2048"}

      event: image_generation.completed
      data: {"type":"image_generation.completed","model":"doubao-seedream-4-0-250828","created":1757396799,"usage":{"generated_images":2,"output_tokens":32768,"total_tokens":32768}}

      data: [DONE]

      """;

  static final String T4 = """
      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":1757396757,"image_index":0,"url":"https://…_0.jpeg?…","size":"2048x2048"}

      event: image_generation.partial_failed
      data: {"type":"image_generation.partial_failed","model":"doubao-seedream-4-5-251128","created":1757396790,"image_index":1,"error":{"code":"InternalServiceError","message":"The service encountered an unexpected internal error. Request id: 021757396757000000000000000000000000000000000000000000"}}

      event: image_generation.completed
      data: {"type":"image_generation.completed","model":"doubao-seedream-4-5-251128","created":1757396790,"usage":{"generated_images":1,"output_tokens":16384,"total_tokens":16384}}

      data: [DONE]

      """;

  static final String T7 = """
      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded",…,"image_index":0,…}

      data: {"error":{"code":"InternalServiceError","message":"… Request id: …"}}

      """;

  private SseTranscripts() {
  }
}
