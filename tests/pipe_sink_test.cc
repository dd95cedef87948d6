// PipeSink hands bytes to a worker thread in order, whatever sizes they arrive in, and the first
// error the stages after it meet comes back to the producer, with nothing passed on after it.
// PullPipe, its mirror, reads a source ahead on a thread of its own: every byte in order, the
// source's error after the bytes before it, and a dropped pipe stops its worker.
#include "common/pipe_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "common/pull_pipe.h"

namespace lockstep {
namespace {

class Collecting : public Sink {
 public:
  Status Write(const void* data, size_t size) override {
    if (fail_after_ > 0 && bytes.size() + size > fail_after_) return IoError("disk full");
    bytes.append(static_cast<const char*>(data), size);
    return Status::Ok();
  }
  Status Finish() override {
    finished = true;
    return Status::Ok();
  }
  void FailAfter(size_t bytes_in) { fail_after_ = bytes_in; }

  std::string bytes;
  bool finished = false;

 private:
  size_t fail_after_ = 0;
};

std::string Random(size_t size) {
  std::mt19937 rng(3);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

TEST(PipeSink, PassesEveryByteOnInOrderAndFinishesTheNextStage) {
  const std::string data = Random((9 << 20) + 12345);
  for (size_t piece : {size_t{1} << 20, size_t{777}, size_t{3} << 20}) {
    Collecting out;
    {
      PipeSink pipe(&out);
      for (size_t at = 0; at < data.size(); at += piece) {
        ASSERT_TRUE(pipe.Write(data.data() + at, std::min(piece, data.size() - at)).ok());
      }
      ASSERT_TRUE(pipe.Finish().ok());
    }
    EXPECT_TRUE(out.finished);
    EXPECT_EQ(out.bytes.size(), data.size()) << "pieces of " << piece;
    EXPECT_TRUE(out.bytes == data) << "pieces of " << piece;
  }
}

TEST(PipeSink, TheFirstErrorReachesTheProducerAndNothingFollowsIt) {
  const std::string data = Random(16 << 20);
  Collecting out;
  out.FailAfter(5 << 20);
  PipeSink pipe(&out);
  Status status;
  for (size_t at = 0; at < data.size() && status.ok(); at += 1 << 16) {
    status = pipe.Write(data.data() + at, 1 << 16);
  }
  if (status.ok()) status = pipe.Finish();
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_EQ(status.message(), "disk full");
  EXPECT_FALSE(out.finished);
  EXPECT_LE(out.bytes.size(), size_t{5} << 20);
}

TEST(PipeSink, AnAbandonedPipeStopsWithoutFinishing) {
  Collecting out;
  {
    PipeSink pipe(&out);
    const std::string data = Random(4 << 20);
    ASSERT_TRUE(pipe.Write(data.data(), data.size()).ok());
  }  // no Finish(): the destructor stops the worker
  EXPECT_FALSE(out.finished);
}

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

// A source that hands out `data` in pieces of `piece` bytes, then fails if `error` is set.
PullPipe::Source Pieces(const std::string& data, size_t piece, Status error = Status::Ok()) {
  auto at = std::make_shared<size_t>(0);
  return [&data, piece, error, at](char* buffer, size_t size) -> Result<size_t> {
    if (*at == data.size()) {
      if (!error.ok()) return error;
      return size_t{0};
    }
    const size_t n = std::min({size, piece, data.size() - *at});
    std::memcpy(buffer, data.data() + *at, n);
    *at += n;
    return n;
  };
}

std::string ReadAllOf(PullPipe& pipe, size_t chunk, Status* status) {
  std::string out;
  std::string buffer(chunk, '\0');
  for (;;) {
    Result<size_t> got = pipe.Read(buffer.data(), buffer.size());
    if (!got.ok()) {
      *status = got.status();
      return out;
    }
    if (*got == 0) return out;
    out.append(buffer.data(), *got);
  }
}

TEST(PullPipe, ReadsTheWholeStreamInOrderWhateverThePieces) {
  const std::string data = Random((5 << 20) + 333);
  for (size_t piece : {size_t{1} << 16, size_t{4097}, size_t{3} << 20}) {
    PullPipe pipe(Pieces(data, piece));
    Status status;
    const std::string out = ReadAllOf(pipe, 777, &status);
    EXPECT_TRUE(status.ok());
    EXPECT_TRUE(out == data) << "pieces of " << piece;
  }
}

TEST(PullPipe, TheSourcesErrorComesAfterTheBytesBeforeIt) {
  const std::string data = Random(3 << 20);
  PullPipe pipe(Pieces(data, 1 << 16, Corruption("chunk 48 failed authentication")));
  Status status;
  const std::string out = ReadAllOf(pipe, 1 << 20, &status);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_TRUE(out == data) << "every byte before the error is delivered";
}

TEST(PullPipe, ADroppedPipeStopsItsWorker) {
  const std::string data = Random(16 << 20);
  {
    PullPipe pipe(Pieces(data, 1 << 16));
    char byte;
    ASSERT_TRUE(pipe.Read(&byte, 1).ok());
  }  // the worker may be waiting for room: the destructor must still end it
  SUCCEED();
}

}  // namespace
}  // namespace lockstep
