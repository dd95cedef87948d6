// The age payload (c2sp.org/age, "Payload"): after the header, a 16-byte random nonce, then the
// plaintext in 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
//
//   payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload")
//   chunk nonce = 11-byte big-endian chunk counter || 0x01 for the final chunk, else 0x00
//
// Every chunk but the last is full; the last may be full, and is empty only when it is the only
// one. The final flag is what makes truncation at a chunk boundary detectable.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/crypto/header.h"
#include "common/crypto/primitives.h"

namespace lockstep::age {

constexpr size_t kPayloadNonceSize = 16;
constexpr size_t kChunkSize = 64 * 1024;
constexpr size_t kSealedChunkSize = kChunkSize + kAeadTagSize;

// Seals and opens payload chunks. Not thread-safe (one OpenSSL context).
class PayloadCipher {
 public:
  Status Init(const FileKey& file_key, const uint8_t* payload_nonce);
  // Seals `size` bytes (at most kChunkSize) into `out` (size + kAeadTagSize; may equal `in`).
  Status Seal(uint64_t counter, bool final, const uint8_t* in, size_t size, uint8_t* out);
  // Opens a sealed chunk of `size` bytes into `out`; false when it does not authenticate as
  // chunk `counter` with this final flag.
  Result<bool> Open(uint64_t counter, bool final, const uint8_t* in, size_t size, uint8_t* out);

 private:
  AeadKey key_;
  ChaChaPoly aead_;
};

}  // namespace lockstep::age
