// The age v1 reader on arbitrary bytes, with the identity the seeds are encrypted to: header
// parsing, stanza checks, the header MAC, the STREAM payload and its final chunk.
#include "common/crypto/age_reader.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lockstep;
  fuzz::InputFile input(data, size);
  auto reader = age::AgeReader::Open(input.fd(), "input", {fuzz::FuzzIdentity()});
  if (!reader.ok()) return 0;
  char buffer[4096];
  for (;;) {
    Result<size_t> got = (*reader)->Read(buffer, sizeof buffer);
    if (!got.ok() || *got == 0) break;
  }
  return 0;
}
