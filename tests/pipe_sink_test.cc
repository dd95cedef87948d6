// PipeSink hands bytes to a worker thread in order, whatever sizes they arrive in, and the first
// error the stages after it meet comes back to the producer, with nothing passed on after it.
#include "common/pipe_sink.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

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
