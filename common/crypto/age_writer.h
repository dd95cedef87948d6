// AgeWriter: encrypts a byte stream into an age v1 file for X25519 recipients, as a Sink stage:
// push plaintext with Write(), and it writes the header, then sealed 64 KiB chunks, to the next
// Sink. It holds at most one chunk (64 KiB + 16 bytes) whatever the stream's size, and writes
// to the next Sink at most one sealed chunk per call. Needs no secret: anyone holding the
// recipients (public keys) can write, only identities can read. Not thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "common/crypto/keys.h"
#include "common/crypto/payload.h"
#include "common/sink.h"

namespace lockstep::age {

class AgeWriter : public Sink {
 public:
  // Draws a fresh file key and nonce, wraps the key for each recipient and writes the header to
  // `out` (not owned; must outlive the writer). InvalidArgument without recipients.
  static Result<std::unique_ptr<AgeWriter>> Create(const std::vector<X25519Recipient>& recipients,
                                                   Sink* out);

  Status Write(const void* data, size_t size) override;
  // Seals the final chunk, then finishes `out`. Without Finish() the file is truncated, and a
  // reader refuses it.
  Status Finish() override;
  uint64_t plaintext_bytes() const { return plaintext_bytes_; }

 private:
  explicit AgeWriter(Sink* out) : out_(out), chunk_(kSealedChunkSize) {}
  Status Start(const std::vector<X25519Recipient>& recipients);
  Status SealChunk(bool final);

  Sink* out_;
  PayloadCipher cipher_;
  // Plaintext collects here and is sealed in place. A full chunk waits for the next byte or
  // Finish(), because only then is it known whether it is the final one.
  std::vector<uint8_t> chunk_;
  size_t filled_ = 0;
  uint64_t counter_ = 0;
  uint64_t plaintext_bytes_ = 0;
  Status failed_;  // the first error; the writer refuses everything after it
  bool finished_ = false;
};

}  // namespace lockstep::age
