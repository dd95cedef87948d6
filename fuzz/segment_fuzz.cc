// An archived segment (a transaction log in zstd, perhaps inside age) on arbitrary bytes, read
// back as a point-in-time restore reads it. The input's own size and sha256 are declared, so the
// fuzzer gets past the stored-bytes check into decompression and record parsing.
#include "common/sha256.h"
#include "engine/archiving/segment.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lockstep;
  if (size < 1) return 0;
  fuzz::InputFile input(data + 1, size - 1);
  archiving::SegmentInfo info;
  info.size_bytes = size - 1;
  info.sha256 = Sha256Hex(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  info.encrypted = (data[0] & 1) != 0;  // the first byte says which
  info.first_zxid = 0x100000001;
  info.last_zxid = 0x1000000ff;
  (void)archiving::ReadSegment(input.path(), info, [](const zkfmt::TxnRecord&) {},
                               {fuzz::FuzzIdentity()});
  return 0;
}
