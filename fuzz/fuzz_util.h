// Helpers the fuzz targets share: the input as a file (the readers under test take paths or
// descriptors), and a fixed identity so encrypted inputs reach the decryption path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/crypto/keys.h"
#include "engine/zkfmt/byte_source.h"

namespace lockstep::fuzz {

// `data` in an anonymous in-memory file; its path as /proc/self/fd/N. Closed by the destructor.
class InputFile {
 public:
  InputFile(const uint8_t* data, size_t size);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// The input as a stream, for the ZooKeeper file readers.
class MemorySource : public zkfmt::ByteSource {
 public:
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  Result<size_t> Read(char* buffer, size_t size) override;

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

// The identity the seed corpus's encrypted files are encrypted to (fuzz/corpus/README.md).
const age::X25519Identity& FuzzIdentity();

// A scratch directory for readers that extract, made once per process.
const std::string& ScratchDir();

}  // namespace lockstep::fuzz
