#include "node-agent/archiving/segment.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "common/file.h"
#include "common/sha256.h"
#include "common/sink.h"
#include "node-agent/archive/zstd_sink.h"
#include "node-agent/zkfmt/byte_source.h"

namespace lockstep::archiving {
namespace {

constexpr size_t kChunk = 1 << 16;

void PutBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// A stored segment decompressed as it is read, its stored bytes hashed on the way.
class SegmentSource : public zkfmt::ByteSource {
 public:
  static Result<std::unique_ptr<SegmentSource>> Open(const std::string& path) {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
    return std::unique_ptr<SegmentSource>(new SegmentSource(std::move(fd), path));
  }
  ~SegmentSource() override { ZSTD_freeDCtx(dctx_); }

  Result<size_t> Read(char* buffer, size_t size) override {
    ZSTD_outBuffer out{buffer, size, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size) {
        ASSIGN_OR_RETURN(size_t got, ReadFully(fd_.get(), input_.data(), input_.size(), path_));
        if (got == 0) {
          if (!frame_ended_) return Corruption(path_ + ": the segment's zstd stream is truncated");
          return size_t{0};
        }
        sha_.Update(input_.data(), got);
        in_ = {input_.data(), got, 0};
      }
      const size_t left = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(left)) {
        return Corruption(path_ + ": not a zstd-compressed segment (" +
                          ZSTD_getErrorName(left) + ")");
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
      : fd_(std::move(fd)), path_(std::move(path)), input_(kChunk, '\0'),
        dctx_(ZSTD_createDCtx()) {}

  UniqueFd fd_;
  std::string path_;
  std::string input_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  ZSTD_DCtx* dctx_;
  bool frame_ended_ = false;
  Sha256 sha_;
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
    return Corruption(name + ": holds " +
                      (summary.first_zxid ? FormatZxid(*summary.first_zxid) : "nothing") + ".." +
                      (summary.last_zxid ? FormatZxid(*summary.last_zxid) : "") +
                      ", its record says " + FormatZxid(info.first_zxid) + ".." +
                      FormatZxid(info.last_zxid));
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
  std::unique_ptr<archive::ZstdSink> zstd;  // null for a plain log
  Sink* out = nullptr;                        // where records go: zstd, or the file itself
  SegmentInfo info;
  bool finished = false;
  std::string record;  // reused framing buffer
};

SegmentWriter::SegmentWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

SegmentWriter::~SegmentWriter() {
  if (state_ && !state_->finished) ::unlink(state_->path.c_str());
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(const std::string& path,
                                                             int64_t dbid) {
  return Open(path, dbid, true);
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::CreatePlain(const std::string& path) {
  return Open(path, 0, false);
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Open(const std::string& path, int64_t dbid,
                                                           bool compressed) {
  auto state = std::make_unique<State>();
  state->path = path;
  ASSIGN_OR_RETURN(state->fd, CreateExclusive(path, kPrivateFile));
  state->file = std::make_unique<FdSink>(state->fd.get(), path);
  state->hashed = std::make_unique<HashingSink>(state->file.get());
  state->out = state->hashed.get();
  if (compressed) {
    state->zstd = std::make_unique<archive::ZstdSink>(state->hashed.get(), path);
    archive::ZstdOptions zstd;
    zstd.workers = 0;  // segments are small and frequent: no compression threads
    RETURN_IF_ERROR(state->zstd->Open(zstd));
    state->out = state->zstd.get();
  }
  std::unique_ptr<SegmentWriter> writer(new SegmentWriter(std::move(state)));
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
    return InvalidArgument("segment " + state_->path + ": " + FormatZxid(record.zxid) +
                           " after " + FormatZxid(info.last_zxid));
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
                   const zkfmt::TxnVisitor& visit) {
  ASSIGN_OR_RETURN(std::unique_ptr<SegmentSource> source, SegmentSource::Open(segment_path));
  RETURN_IF_ERROR(Scan(source.get(), segment_path, info, std::nullopt, &visit).status());
  return CheckHash(*source, segment_path, info);
}

Status ExpandSegment(const std::string& segment_path, const SegmentInfo& info,
                     const std::string& log_path, std::optional<Zxid> cut) {
  Status expanded = [&]() -> Status {
    ASSIGN_OR_RETURN(std::unique_ptr<SegmentSource> source, SegmentSource::Open(segment_path));
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

}  // namespace lockstep::archiving
