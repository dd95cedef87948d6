#include "common/crypto/age_reader.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "common/crypto/x25519_stanza.h"
#include "common/file.h"

namespace lockstep::age {
namespace {

constexpr std::string_view kMagic = "age-encryption.org/";
constexpr std::string_view kArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr size_t kHeaderBlock = 4096;
// Far above any real header (an X25519 stanza is about 100 bytes), low enough that a file that
// only looks like age can't make the reader buffer without bound.
constexpr size_t kMaxHeaderSize = 1 << 20;

// Checks the first bytes as soon as there are enough of them (or the file ended).
Status CheckMagic(std::string_view head, bool at_end) {
  if (head.size() < kArmorBegin.size() && !at_end) return Status::Ok();
  if (head.starts_with(kArmorBegin)) {
    return Corruption(
        "an ASCII-armored age file, which Lockstep does not read: convert it with "
        "`age -d` or store the binary form");
  }
  if (!head.starts_with(kMagic)) {
    return Corruption("not an age file (it does not begin with \"age-encryption.org/v1\")");
  }
  if (!head.starts_with(kVersionLine) && head.find('\n') != std::string_view::npos) {
    return Corruption("an age file of an unsupported version (only age-encryption.org/v1)");
  }
  return Status::Ok();
}

// Reads up to and including the MAC line (the first line starting "---"); the bytes read past
// it go to *rest.
Result<std::string> ReadHeaderText(const AgeReader::RawRead& raw, std::string* rest) {
  std::string head;
  size_t line_start = 0;
  while (true) {
    for (size_t end; (end = head.find('\n', line_start)) != std::string::npos;
         line_start = end + 1) {
      if (head.compare(line_start, 3, "---") == 0) {
        *rest = head.substr(end + 1);
        head.resize(end + 1);
        return head;
      }
    }
    if (head.size() > kMaxHeaderSize) {
      return Corruption("the age header has no MAC line in its first 1 MiB");
    }
    const size_t old_size = head.size();
    head.resize(old_size + kHeaderBlock);
    ASSIGN_OR_RETURN(size_t got, raw(head.data() + old_size, kHeaderBlock));
    head.resize(old_size + got);
    RETURN_IF_ERROR(CheckMagic(head, got == 0));
    if (got == 0) return Corruption("truncated age header: the file ends before the MAC line");
  }
}

// "2 X25519 and 1 scrypt": what the header is encrypted to, without any key.
std::string DescribeStanzas(const std::vector<Stanza>& stanzas) {
  std::map<std::string, int> types;
  for (const Stanza& stanza : stanzas) ++types[stanza.args[0]];
  std::string text;
  for (const auto& [type, count] : types) {
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + type;
  }
  return text;
}

// The spec: an scrypt stanza must be the header's only stanza (a passphrase-encrypted file is
// for that passphrase alone, and a file that mixes it with public-key recipients is refused
// rather than opened by whichever key matches).
Status CheckScryptAlone(const std::vector<Stanza>& stanzas) {
  if (stanzas.size() < 2) return Status::Ok();
  for (const Stanza& stanza : stanzas) {
    if (!stanza.args.empty() && stanza.args[0] == "scrypt") {
      return Corruption("the age header holds an scrypt stanza beside " +
                        std::to_string(stanzas.size() - 1) +
                        " other(s); the age format requires scrypt to be alone");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<AgeReader>> AgeReader::Open(int fd, std::string path,
                                                   const Identities& identities) {
  RawRead raw = [fd, path](char* buffer, size_t size) { return ReadFully(fd, buffer, size, path); };
  return Open(std::move(raw), std::move(path), identities);
}

Result<std::unique_ptr<AgeReader>> AgeReader::Open(RawRead raw, std::string path,
                                                   const Identities& identities) {
  std::unique_ptr<AgeReader> reader(new AgeReader(std::move(raw), std::move(path)));
  RETURN_IF_ERROR(reader->Start(identities).Prepend(reader->path_));
  return reader;
}

Status AgeReader::Start(const Identities& identities) {
  std::string rest;
  ASSIGN_OR_RETURN(std::string header_text, ReadHeaderText(raw_, &rest));
  ASSIGN_OR_RETURN(FileKey file_key, Unlock(header_text, identities));
  header_size_ = header_text.size() + kPayloadNonceSize;
  return StartPayload(file_key, std::move(rest));
}

Result<FileKey> AgeReader::Unlock(const std::string& header_text, const Identities& identities) {
  ASSIGN_OR_RETURN(Header header, ParseHeader(header_text));
  RETURN_IF_ERROR(CheckScryptAlone(header.stanzas));
  for (const Stanza& stanza : header.stanzas) RETURN_IF_ERROR(CheckX25519Stanza(stanza));
  for (const X25519Identity& identity : identities) {
    for (const Stanza& stanza : header.stanzas) {
      ASSIGN_OR_RETURN(std::optional<FileKey> file_key, UnwrapX25519(stanza, identity));
      if (!file_key) continue;
      ASSIGN_OR_RETURN(bool authentic, MacMatches(header, *file_key));
      if (!authentic) {
        return Corruption(
            "header MAC mismatch: the file key was unwrapped but the header does "
            "not authenticate (the header was altered)");
      }
      return *std::move(file_key);
    }
  }
  return InvalidArgument("no identity matches: the file is encrypted to " +
                         DescribeStanzas(header.stanzas) + " recipient(s), and none of the " +
                         std::to_string(identities.size()) + " identities given unwraps one");
}

Status AgeReader::StartPayload(const FileKey& file_key, std::string rest) {
  const size_t have = std::min(rest.size(), kPayloadNonceSize);
  uint8_t nonce[kPayloadNonceSize];
  std::memcpy(nonce, rest.data(), have);
  ASSIGN_OR_RETURN(size_t got,
                   raw_(reinterpret_cast<char*>(nonce) + have, kPayloadNonceSize - have));
  if (have + got < kPayloadNonceSize) {
    return Corruption("truncated after the age header: the 16-byte payload nonce is missing");
  }
  RETURN_IF_ERROR(cipher_.Init(file_key, nonce));
  // Bytes read past the nonce are the start of the first chunk (a header block is far smaller).
  sealed_size_ = rest.size() - have;
  std::memcpy(sealed_.data(), rest.data() + have, sealed_size_);
  return Status::Ok();
}

Result<size_t> AgeReader::Read(char* buffer, size_t size) {
  if (!failed_.ok()) return failed_;
  while (plain_pos_ == plain_end_) {
    if (!pending_.ok()) failed_ = pending_;
    if (!failed_.ok()) return failed_;
    if (done_ || size == 0) return size_t{0};
    failed_ = NextChunk();
    if (!failed_.ok()) return failed_;
  }
  const size_t n = std::min(size, plain_end_ - plain_pos_);
  std::memcpy(buffer, plain_.data() + plain_pos_, n);
  plain_pos_ += n;
  return n;
}

Status AgeReader::NextChunk() {
  ASSIGN_OR_RETURN(size_t got, raw_(reinterpret_cast<char*>(sealed_.data()) + sealed_size_,
                                    sealed_.size() - sealed_size_));
  sealed_size_ += got;
  const uint64_t offset = header_size_ + counter_ * kSealedChunkSize;
  plain_pos_ = 0;
  plain_end_ = 0;
  // A byte beyond a full chunk means more follows: this one must be a non-final chunk.
  return sealed_size_ == sealed_.size() ? OpenFull(offset) : OpenLast(offset);
}

Status AgeReader::OpenFull(uint64_t offset) {
  ASSIGN_OR_RETURN(bool ok,
                   cipher_.Open(counter_, false, sealed_.data(), kSealedChunkSize, plain_.data()));
  if (!ok) {
    ASSIGN_OR_RETURN(bool final,
                     cipher_.Open(counter_, true, sealed_.data(), kSealedChunkSize, plain_.data()));
    if (final) {
      plain_end_ = kChunkSize;
      pending_ = Corruption(path_ + ": data after the final chunk, from offset " +
                            std::to_string(offset + kSealedChunkSize) + " (appended garbage?)");
      return Status::Ok();
    }
    return ChunkError(offset, "failed authentication: the file was altered");
  }
  plain_end_ = kChunkSize;
  ++counter_;
  sealed_[0] = sealed_[kSealedChunkSize];  // the next chunk's first byte
  sealed_size_ = 1;
  return Status::Ok();
}

Status AgeReader::OpenLast(uint64_t offset) {
  if (sealed_size_ == 0) {
    return Corruption(path_ + ": truncated at offset " + std::to_string(offset) +
                      ": the payload ends without a final chunk");
  }
  ASSIGN_OR_RETURN(bool ok,
                   cipher_.Open(counter_, true, sealed_.data(), sealed_size_, plain_.data()));
  if (!ok) {
    bool full = false;  // only a full chunk can be a valid non-final one
    if (sealed_size_ == kSealedChunkSize) {
      ASSIGN_OR_RETURN(full,
                       cipher_.Open(counter_, false, sealed_.data(), sealed_size_, plain_.data()));
    }
    if (full) {
      plain_end_ = kChunkSize;
      pending_ =
          Corruption(path_ + ": truncated at offset " + std::to_string(offset + sealed_size_) +
                     ": the payload ends without a final chunk");
      return Status::Ok();
    }
    return ChunkError(offset,
                      "failed authentication: the file was altered, truncated or extended (" +
                          std::to_string(sealed_size_) + " bytes to the end)");
  }
  if (sealed_size_ == kAeadTagSize && counter_ > 0) {
    return ChunkError(offset, "is an empty final chunk, which age allows only as the sole chunk");
  }
  plain_end_ = sealed_size_ - kAeadTagSize;
  sealed_size_ = 0;
  done_ = true;
  return Status::Ok();
}

Status AgeReader::ChunkError(uint64_t offset, const std::string& what) const {
  return Corruption(path_ + ": payload chunk " + std::to_string(counter_) + " at offset " +
                    std::to_string(offset) + " " + what);
}

}  // namespace lockstep::age
