#include "common/sink.h"

#include "common/file.h"

namespace lockstep {

Status FdSink::Write(const void* data, size_t size) {
  RETURN_IF_ERROR(WriteFully(fd_, static_cast<const char*>(data), size, path_));
  bytes_written_ += size;
  return Status::Ok();
}

Status HashingSink::Write(const void* data, size_t size) {
  RETURN_IF_ERROR(next_->Write(data, size));
  sha_.Update(data, size);
  return Status::Ok();
}

}  // namespace lockstep
