// AgeReader: decrypts an age v1 file read from a descriptor or any pull source, for callers that
// pull plaintext (an archive reader, a copy loop). Open() reads the header, finds a stanza one of
// the identities unwraps and checks the header MAC; Read() then hands out plaintext one verified
// chunk at a time: no byte leaves the reader before its chunk authenticates, and the end of the
// stream is reported only after a valid final chunk with nothing behind it. (As the C2SP testkit
// expects, a chunk that authenticates is released even when what follows it is wrong: the
// error comes on the read after it.) Memory: one sealed
// chunk and one plain chunk (128 KiB) plus the header. Not thread-safe.
//
// Failures are Corruption naming the file (and for the payload, the chunk and its offset):
//   not an age file / unsupported version / ASCII armor (not supported) / malformed header;
//   no identity matches (InvalidArgument: the recipients' types are counted, keys not shown);
//   header MAC mismatch; payload nonce missing; chunk N failed authentication at offset X;
//   data after the final chunk; file ends without a final chunk; empty final chunk.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/keys.h"
#include "common/crypto/payload.h"

namespace lockstep::age {

class AgeReader {
 public:
  // Where the encrypted bytes come from: fills up to `size` bytes and returns fewer only at the
  // end of the file. A caller that must see every raw byte (to hash the file as stored) reads
  // through its own function.
  using RawRead = std::function<Result<size_t>(char* buffer, size_t size)>;

  // `fd` stays the caller's and is read from its current offset; `path` names it in errors.
  static Result<std::unique_ptr<AgeReader>> Open(int fd, std::string path,
                                                 const Identities& identities);
  static Result<std::unique_ptr<AgeReader>> Open(RawRead raw, std::string path,
                                                 const Identities& identities);

  // Up to `size` bytes of authenticated plaintext; 0 once the final chunk has been verified.
  Result<size_t> Read(char* buffer, size_t size);
  uint64_t header_size() const { return header_size_; }

 private:
  AgeReader(RawRead raw, std::string path) : raw_(std::move(raw)), path_(std::move(path)) {}
  Status Start(const Identities& identities);
  Result<FileKey> Unlock(const std::string& header_text, const Identities& identities);
  Status StartPayload(const FileKey& file_key, std::string rest);
  Status NextChunk();
  Status OpenFull(uint64_t offset);
  Status OpenLast(uint64_t offset);
  Status ChunkError(uint64_t offset, const std::string& what) const;

  RawRead raw_;
  std::string path_;
  PayloadCipher cipher_;
  uint64_t header_size_ = 0;  // header text and payload nonce
  // Sealed chunks are read here with one byte more than a chunk: that byte tells a full chunk
  // followed by more data (not final) from the file's last chunk. Opened into `plain_`, so a
  // chunk that fails one way can still be tried the other, to say what is wrong with it.
  std::vector<uint8_t> sealed_ = std::vector<uint8_t>(kSealedChunkSize + 1);
  size_t sealed_size_ = 0;
  std::vector<uint8_t> plain_ = std::vector<uint8_t>(kChunkSize);
  size_t plain_pos_ = 0;  // next plaintext byte to hand out
  size_t plain_end_ = 0;
  uint64_t counter_ = 0;
  bool done_ = false;  // the final chunk was verified and nothing follows it
  // An error found after a chunk that authenticates (data behind a final chunk, or a non-final
  // chunk at the end): returned once that chunk's plaintext has been read.
  Status pending_;
  Status failed_;
};

}  // namespace lockstep::age
