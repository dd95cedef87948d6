#include "common/crypto/payload.h"

#include <array>

namespace lockstep::age {
namespace {

std::array<uint8_t, kAeadNonceSize> ChunkNonce(uint64_t counter, bool final) {
  std::array<uint8_t, kAeadNonceSize> nonce{};  // the counter's top 3 bytes stay zero
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = final ? 1 : 0;
  return nonce;
}

}  // namespace

Status PayloadCipher::Init(const FileKey& file_key, const uint8_t* payload_nonce) {
  ASSIGN_OR_RETURN(Secret<32> key, Hkdf(file_key.data(), file_key.size(), payload_nonce,
                                        kPayloadNonceSize, "payload"));
  key_.bytes = key.bytes;
  return Status::Ok();
}

Status PayloadCipher::Seal(uint64_t counter, bool final, const uint8_t* in, size_t size,
                           uint8_t* out) {
  return aead_.Seal(key_, ChunkNonce(counter, final).data(), in, size, out);
}

Result<bool> PayloadCipher::Open(uint64_t counter, bool final, const uint8_t* in, size_t size,
                                 uint8_t* out) {
  return aead_.Open(key_, ChunkNonce(counter, final).data(), in, size, out);
}

}  // namespace lockstep::age
