#include "engine/archiving/segment.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "common/crypto/age_reader.h"
#include "common/crypto/age_writer.h"
#include "common/file.h"
#include "common/sha256.h"
#include "common/sink.h"
#include "engine/backup_file/zstd_sink.h"
#include "engine/zkfmt/byte_source.h"

namespace lockstep::archiving {
namespace {

constexpr size_t kChunk = 1 << 16;

void PutBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// A stored segment decrypted (when encrypted) and decompressed as it is read, its stored bytes
// hashed on the way.
class SegmentSource : public zkfmt::ByteSource {
 public:
  static Result<std::unique_ptr<SegmentSource>> Open(const std::string& path,
                                                     const SegmentInfo& info,
                                                     const age::Identities& identities) {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
    std::unique_ptr<SegmentSource> source(new SegmentSource(std::move(fd), path));
    if (info.encrypted) {
      if (identities.empty()) {
        return InvalidArgument(path +
                               " is encrypted: reading it needs an age identity "
                               "([encryption] identity_file, or --identity)");
      }
      SegmentSource* raw = source.get();
      ASSIGN_OR_RETURN(source->age_, age::AgeReader::Open(
                                         [raw](char* buffer, size_t size) {
                                           return raw->ReadStored(buffer, size);
                                         },
                                         path, identities));
    }
    return source;
  }
  ~SegmentSource() override { ZSTD_freeDCtx(dctx_); }

  Result<size_t> Read(char* buffer, size_t size) override {
    ZSTD_outBuffer out{buffer, size, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size) {
        ASSIGN_OR_RETURN(size_t got, age_ ? age_->Read(input_.data(), input_.size())
                                          : ReadStored(input_.data(), input_.size()));
        if (got == 0) {
          if (!frame_ended_) return Corruption(path_ + ": the segment's zstd stream is truncated");
          return size_t{0};
        }
        in_ = {input_.data(), got, 0};
      }
      const size_t left = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(left)) {
        return Corruption(path_ + ": not a zstd-compressed segment (" + ZSTD_getErrorName(left) +
                          ")");
      }
      frame_ended_ = left == 0;
    }
    return out.pos;
  }

  // Reads and hashes whatever the log reader left, so the digest covers the whole file.
  Result<std::string> FinishHash() {
    std::string sink(kChunk, '\0');
    for (;;) {
      ASSIGN_OR_RETURN(size_t got, Read(sink.data(), sink.size()));
      if (got == 0) return sha_.HexDigest();
    }
  }

 private:
  SegmentSource(UniqueFd fd, std::string path)
      : fd_(std::move(fd)),
        path_(std::move(path)),
        input_(kChunk, '\0'),
        dctx_(ZSTD_createDCtx()) {}

  // The stored bytes, hashed as they go by.
  Result<size_t> ReadStored(char* buffer, size_t size) {
    ASSIGN_OR_RETURN(size_t got, ReadFully(fd_.get(), buffer, size, path_));
    sha_.Update(buffer, got);
    return got;
  }

  UniqueFd fd_;
  std::string path_;
  std::string input_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  ZSTD_DCtx* dctx_;
  bool frame_ended_ = false;
  Sha256 sha_;
  std::unique_ptr<age::AgeReader> age_;  // encrypted segments only
};

// The records of a segment through `visit`, checked against `info` (and cut at `cut`).
Result<zkfmt::TxnLogSummary> Scan(zkfmt::ByteSource* source, const std::string& name,
                                  const SegmentInfo& info, std::optional<Zxid> cut,
                                  const zkfmt::TxnVisitor* visit) {
  zkfmt::TxnLogReadOptions options;
  options.max_zxid = cut;
  options.visitor = visit;
  ASSIGN_OR_RETURN(zkfmt::TxnLogSummary summary, zkfmt::ReadTxnLog(source, name, options));
  RETURN_IF_ERROR(zkfmt::FirstFatal(summary.problems));
  const bool starts_right = summary.first_zxid && *summary.first_zxid == info.first_zxid;
  const Zxid expected_last = cut ? std::min(*cut, info.last_zxid) : info.last_zxid;
  const bool ends_right = summary.last_zxid && (cut ? *summary.last_zxid <= expected_last
                                                    : *summary.last_zxid == expected_last);
  if (!starts_right || !ends_right) {
    return Corruption(
        name + ": holds " + (summary.first_zxid ? FormatZxid(*summary.first_zxid) : "nothing") +
        ".." + (summary.last_zxid ? FormatZxid(*summary.last_zxid) : "") + ", its record says " +
        FormatZxid(info.first_zxid) + ".." + FormatZxid(info.last_zxid));
  }
  return summary;
}

Status CheckHash(SegmentSource& source, const std::string& name, const SegmentInfo& info) {
  ASSIGN_OR_RETURN(std::string sha, source.FinishHash());
  if (sha != info.sha256) {
    return Corruption(name + ": sha256 " + sha + " differs from its record's " + info.sha256 +
                      " (the segment is damaged)");
  }
  return Status::Ok();
}

}  // namespace

struct SegmentWriter::State {
  std::string path;
  UniqueFd fd;
  std::unique_ptr<FdSink> file;
  std::unique_ptr<HashingSink> hashed;
  std::unique_ptr<age::AgeWriter> age;          // encrypted segments only
  std::unique_ptr<backup_file::ZstdSink> zstd;  // null for a plain log
  Sink* out = nullptr;                          // where records go: zstd, or the file itself
  SegmentInfo info;
  bool finished = false;
  std::string record;  // reused framing buffer
};

SegmentWriter::SegmentWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

SegmentWriter::~SegmentWriter() {
  if (state_ && !state_->finished) ::unlink(state_->path.c_str());
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(
    const std::string& path, int64_t dbid, const std::vector<age::X25519Recipient>& recipients) {
  return Open(path, dbid, true, recipients);
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::CreatePlain(const std::string& path) {
  return Open(path, 0, false, {});
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Open(
    const std::string& path, int64_t dbid, bool compressed,
    const std::vector<age::X25519Recipient>& recipients) {
  auto state = std::make_unique<State>();
  state->path = path;
  ASSIGN_OR_RETURN(state->fd, CreateExclusive(path, kPrivateFile));
  std::unique_ptr<SegmentWriter> writer(new SegmentWriter(std::move(state)));
  State& built = *writer->state_;  // the writer removes the file if what follows fails
  built.file = std::make_unique<FdSink>(built.fd.get(), path);
  built.hashed = std::make_unique<HashingSink>(built.file.get());
  built.out = built.hashed.get();
  if (!recipients.empty()) {
    ASSIGN_OR_RETURN(built.age, age::AgeWriter::Create(recipients, built.hashed.get()));
    built.out = built.age.get();
    built.info.encrypted = true;
  }
  if (compressed) {
    built.zstd = std::make_unique<backup_file::ZstdSink>(built.out, path);
    backup_file::ZstdOptions zstd;
    zstd.workers = 0;  // segments are small and frequent: no compression threads
    RETURN_IF_ERROR(built.zstd->Open(zstd));
    built.out = built.zstd.get();
  }
  std::string header;
  PutBigEndian(static_cast<uint32_t>(zkfmt::kTxnLogMagic), 4, &header);
  PutBigEndian(2, 4, &header);
  PutBigEndian(static_cast<uint64_t>(dbid), 8, &header);
  RETURN_IF_ERROR(writer->state_->out->Write(header.data(), header.size()));
  return writer;
}

Status SegmentWriter::Append(const zkfmt::TxnRecord& record) {
  SegmentInfo& info = state_->info;
  if (info.records > 0 && record.zxid <= info.last_zxid) {
    if (record.zxid == info.last_zxid) return Status::Ok();  // logged twice by a follower
    return InvalidArgument("segment " + state_->path + ": " + FormatZxid(record.zxid) + " after " +
                           FormatZxid(info.last_zxid));
  }
  const std::string& txn = *record.txn;
  const uLong crc = adler32(adler32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(txn.data()),
                            static_cast<uInt>(txn.size()));
  std::string& framed = state_->record;
  framed.clear();
  PutBigEndian(crc, 8, &framed);
  PutBigEndian(txn.size(), 4, &framed);
  framed += txn;
  framed += 'B';
  RETURN_IF_ERROR(state_->out->Write(framed.data(), framed.size()));
  if (info.records++ == 0) {
    info.first_zxid = record.zxid;
    info.first_time_ms = record.time_ms;
  }
  info.last_zxid = record.zxid;
  info.last_time_ms = record.time_ms;
  return Status::Ok();
}

uint64_t SegmentWriter::records() const { return state_->info.records; }

Result<SegmentInfo> SegmentWriter::Finish() {
  if (state_->info.records == 0) {
    return FailedPrecondition("segment " + state_->path + " holds no transaction");
  }
  RETURN_IF_ERROR(state_->out->Finish());
  RETURN_IF_ERROR(SyncFd(state_->fd.get(), state_->path));
  state_->info.size_bytes = state_->file->bytes_written();
  state_->info.sha256 = state_->hashed->HexDigest();
  state_->finished = true;
  return state_->info;
}

Status ReadSegment(const std::string& segment_path, const SegmentInfo& info,
                   const zkfmt::TxnVisitor& visit, const age::Identities& identities) {
  ASSIGN_OR_RETURN(std::unique_ptr<SegmentSource> source,
                   SegmentSource::Open(segment_path, info, identities));
  RETURN_IF_ERROR(Scan(source.get(), segment_path, info, std::nullopt, &visit).status());
  return CheckHash(*source, segment_path, info);
}

Status ExpandSegment(const std::string& segment_path, const SegmentInfo& info,
                     const std::string& log_path, std::optional<Zxid> cut,
                     const age::Identities& identities) {
  Status expanded = [&]() -> Status {
    ASSIGN_OR_RETURN(std::unique_ptr<SegmentSource> source,
                     SegmentSource::Open(segment_path, info, identities));
    ASSIGN_OR_RETURN(UniqueFd out, CreateExclusive(log_path, kPrivateFile));
    std::string buffer(kChunk, '\0');
    for (;;) {
      ASSIGN_OR_RETURN(size_t got, source->Read(buffer.data(), buffer.size()));
      if (got == 0) break;
      RETURN_IF_ERROR(WriteFully(out.get(), buffer.data(), got, log_path));
    }
    RETURN_IF_ERROR(CheckHash(*source, segment_path, info));
    ASSIGN_OR_RETURN(auto plain, zkfmt::FileSource::Open(log_path));
    ASSIGN_OR_RETURN(zkfmt::TxnLogSummary summary,
                     Scan(plain.get(), segment_path, info, cut, nullptr));
    if (cut && ::ftruncate(out.get(), static_cast<off_t>(summary.data_size)) != 0) {
      return ErrnoError("cannot cut", log_path, errno);
    }
    return SyncFd(out.get(), log_path);
  }();
  if (!expanded.ok()) ::unlink(log_path.c_str());
  return expanded;
}

Status CheckStoredSegment(const std::string& segment_path, const SegmentInfo& info) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(segment_path));
  Sha256 sha;
  std::string buffer(kChunk, '\0');
  uint64_t size = 0;
  for (;;) {
    ASSIGN_OR_RETURN(size_t got, ReadFully(fd.get(), buffer.data(), buffer.size(), segment_path));
    if (got == 0) break;
    sha.Update(buffer.data(), got);
    size += got;
  }
  const std::string digest = sha.HexDigest();
  if (size != info.size_bytes || digest != info.sha256) {
    return Corruption(segment_path + ": " + std::to_string(size) + " bytes with sha256 " + digest +
                      ", its record says " + std::to_string(info.size_bytes) + " bytes with " +
                      info.sha256 + " (the segment is damaged)");
  }
  return Status::Ok();
}

}  // namespace lockstep::archiving
