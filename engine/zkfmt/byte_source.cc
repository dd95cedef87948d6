#include "engine/zkfmt/byte_source.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace lockstep::zkfmt {
namespace {
constexpr size_t kBufferSize = 1 << 20;

uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint64_t Be64(const unsigned char* p) { return (uint64_t{Be32(p)} << 32) | Be32(p + 4); }
}  // namespace

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
  return std::unique_ptr<FileSource>(new FileSource(std::move(fd), path));
}

Result<size_t> FileSource::Read(char* buffer, size_t size) {
  return ReadFully(fd_.get(), buffer, size, path_);
}

JuteReader::JuteReader(ByteSource* source, bool hash_sha256, bool track_adler)
    : source_(source), hash_sha256_(hash_sha256), track_adler_(track_adler), buffer_(kBufferSize) {}

void JuteReader::ResetAdler() { adler_ = static_cast<uint32_t>(adler32(0L, Z_NULL, 0)); }

Status JuteReader::Fill() {
  if (eof_) return Status::Ok();
  if (pos_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  ASSIGN_OR_RETURN(size_t n, source_->Read(buffer_.data() + end_, buffer_.size() - end_));
  if (n == 0) eof_ = true;
  end_ += n;
  return Status::Ok();
}

void JuteReader::Consume(size_t size) {
  const char* start = buffer_.data() + pos_;
  if (track_adler_) {
    adler_ = static_cast<uint32_t>(
        adler32(adler_, reinterpret_cast<const Bytef*>(start), static_cast<uInt>(size)));
  }
  if (hash_sha256_) sha_.Update(start, size);
  pos_ += size;
  offset_ += size;
}

Result<bool> JuteReader::ReadExact(char* out, size_t size) {
  while (size > 0) {
    if (pos_ == end_) {
      RETURN_IF_ERROR(Fill());
      if (pos_ == end_) return false;
    }
    size_t chunk = std::min(size, end_ - pos_);
    if (out != nullptr) {
      std::memcpy(out, buffer_.data() + pos_, chunk);
      out += chunk;
    }
    Consume(chunk);
    size -= chunk;
  }
  return true;
}

Result<std::optional<int32_t>> JuteReader::ReadInt32() {
  unsigned char raw[4];
  ASSIGN_OR_RETURN(bool complete, ReadExact(reinterpret_cast<char*>(raw), sizeof raw));
  if (!complete) return std::optional<int32_t>();
  return std::optional<int32_t>(static_cast<int32_t>(Be32(raw)));
}

Result<std::optional<int64_t>> JuteReader::ReadInt64() {
  unsigned char raw[8];
  ASSIGN_OR_RETURN(bool complete, ReadExact(reinterpret_cast<char*>(raw), sizeof raw));
  if (!complete) return std::optional<int64_t>();
  return std::optional<int64_t>(static_cast<int64_t>(Be64(raw)));
}

Result<bool> JuteReader::ReadBuffer(std::string* out, int32_t max_length, bool* was_null) {
  uint64_t start = offset_;
  ASSIGN_OR_RETURN(std::optional<int32_t> length, ReadInt32());
  if (!length) return false;
  if (was_null) *was_null = *length == -1;
  out->clear();
  if (*length == -1) return true;
  if (*length < 0 || *length > max_length) {
    return Corruption("implausible length " + std::to_string(*length) + " at offset " +
                      std::to_string(start));
  }
  out->resize(static_cast<size_t>(*length));
  return ReadExact(out->data(), out->size());
}

Result<bool> JuteReader::AtEnd() {
  if (pos_ == end_) RETURN_IF_ERROR(Fill());
  return pos_ == end_;
}

Status JuteReader::DrainToEnd() {
  while (true) {
    if (pos_ == end_) RETURN_IF_ERROR(Fill());
    if (pos_ == end_) return Status::Ok();
    Consume(end_ - pos_);
  }
}

bool SpanReader::ReadInt32(int32_t* out) {
  if (remaining() < 4) return false;
  *out = static_cast<int32_t>(Be32(reinterpret_cast<const unsigned char*>(data_ + pos_)));
  pos_ += 4;
  return true;
}

bool SpanReader::ReadInt64(int64_t* out) {
  if (remaining() < 8) return false;
  *out = static_cast<int64_t>(Be64(reinterpret_cast<const unsigned char*>(data_ + pos_)));
  pos_ += 8;
  return true;
}

bool SpanReader::ReadBool(bool* out) {
  if (remaining() < 1) return false;
  *out = data_[pos_++] != 0;
  return true;
}

bool SpanReader::ReadBuffer(std::string* out) {
  int32_t length = 0;
  if (!ReadInt32(&length)) return false;
  if (length == -1) {
    out->clear();
    return true;
  }
  if (length < 0 || static_cast<size_t>(length) > remaining()) return false;
  out->assign(data_ + pos_, static_cast<size_t>(length));
  pos_ += static_cast<size_t>(length);
  return true;
}

bool SpanReader::Skip(size_t n) {
  if (remaining() < n) return false;
  pos_ += n;
  return true;
}

}  // namespace lockstep::zkfmt
