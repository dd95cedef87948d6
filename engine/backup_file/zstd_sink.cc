#include "engine/backup_file/zstd_sink.h"

#include <zstd.h>

namespace lockstep::backup_file {
namespace {

Status ZstdError(const std::string& what, size_t code) {
  return Internal(what + ": " + ZSTD_getErrorName(code));
}

}  // namespace

ZstdSink::ZstdSink(Sink* out, std::string path) : next_(out), path_(std::move(path)) {}

ZstdSink::~ZstdSink() { ZSTD_freeCCtx(cctx_); }

Status ZstdSink::Open(const ZstdOptions& options) {
  cctx_ = ZSTD_createCCtx();
  if (cctx_ == nullptr) return Internal("zstd: out of memory");
  size_t rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, options.level);
  if (ZSTD_isError(rc)) return ZstdError("zstd level " + std::to_string(options.level), rc);
  rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);  // the reader checks the frame
  if (ZSTD_isError(rc)) return ZstdError("zstd checksum", rc);
  if (options.workers > 1) {
    // A libzstd built without threads refuses; compression then stays on this thread.
    if (!ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, options.workers))) {
      rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_jobSize, static_cast<int>(options.job_bytes));
      if (ZSTD_isError(rc)) return ZstdError("zstd job size", rc);
    }
  }
  out_.resize(ZSTD_CStreamOutSize());
  return Status::Ok();
}

Status ZstdSink::Write(const void* data, size_t size) { return Pump(data, size, false); }

Status ZstdSink::Finish() {
  RETURN_IF_ERROR(Pump(nullptr, 0, true));
  return next_->Finish();
}

Status ZstdSink::Pump(const void* data, size_t size, bool end) {
  ZSTD_inBuffer in{data, size, 0};
  while (true) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    const size_t remaining =
        ZSTD_compressStream2(cctx_, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(remaining)) return ZstdError("zstd compression of " + path_, remaining);
    RETURN_IF_ERROR(Emit(out.pos));
    // Done when the input is consumed and, at the end, zstd has flushed everything.
    if (end ? remaining == 0 : in.pos == in.size) return Status::Ok();
  }
}

Status ZstdSink::Emit(size_t size) {
  if (size == 0) return Status::Ok();
  RETURN_IF_ERROR(next_->Write(out_.data(), size));
  bytes_written_ += size;
  return Status::Ok();
}

}  // namespace lockstep::backup_file
