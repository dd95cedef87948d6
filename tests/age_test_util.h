// Helpers for the age tests: deterministic data, an in-memory Sink that records how it was
// written to, and encryption/decryption through memory files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/crypto/keys.h"
#include "common/sink.h"

namespace lockstep::age::testing {

std::string RandomData(size_t size, uint32_t seed = 1);

// Collects everything written, and records the largest single write: what bounds the memory a
// stage needs downstream.
class StringSink : public Sink {
 public:
  Status Write(const void* data, size_t size) override;
  Status Finish() override;

  std::string data;
  size_t largest_write = 0;
  size_t writes = 0;
  int finishes = 0;
  bool fail_writes = false;
};

X25519Identity NewIdentity();
std::string Encrypt(const std::string& plaintext, const std::vector<X25519Recipient>& recipients);
// A memory file (memfd) holding `bytes`, positioned at its start. The caller closes it.
int MemoryFile(const std::string& bytes);
// Decrypts all of `ciphertext`; on failure, `*released` holds the plaintext handed out first.
Result<std::string> Decrypt(const std::string& ciphertext, const Identities& identities,
                            std::string* released = nullptr, size_t read_size = 100000);

}  // namespace lockstep::age::testing
