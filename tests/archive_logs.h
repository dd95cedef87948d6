// Test helpers for continuous archiving: transaction logs of numbered creates with predictable
// times, and segments written from them (shared by archiving_test.cc and archiver_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "common/zxid.h"
#include "engine/archiving/segment.h"
#include "engine/zkfmt/byte_source.h"
#include "engine/zkfmt/txnlog.h"
#include "tests/zk_files.h"

namespace lockstep::testing {

inline constexpr int64_t kT0 = 1790000000000;  // ms: the first transaction's time

// A log of `count` creates from zxid `first`, one second apart from kT0 + (first & 0xffff) s.
inline TxnLogBuilder LogOf(Zxid first, int count) {
  TxnLogBuilder log;
  for (int i = 0; i < count; ++i) {
    const Zxid zxid = first + i;
    log.Record(zxid, 1, TxnLogBuilder::CreateBody("/n" + std::to_string(zxid), false, "v"), 1,
               kT0 + (zxid & 0xffff) * 1000);
  }
  return log;
}

// Writes `log_bytes` to `log_path`, then every record of it into a new segment at `path`.
inline archiving::SegmentInfo WriteSegment(
    const std::string& log_path, const std::string& log_bytes, const std::string& path,
    const std::vector<age::X25519Recipient>& recipients = {}) {
  WriteFile(log_path, log_bytes);
  auto writer = archiving::SegmentWriter::Create(path, 0, recipients);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  auto source = zkfmt::FileSource::Open(log_path);
  EXPECT_TRUE(source.ok());
  zkfmt::TxnVisitor append = [&](const zkfmt::TxnRecord& record) {
    Status appended = (*writer)->Append(record);
    EXPECT_TRUE(appended.ok()) << appended.ToString();
  };
  zkfmt::TxnLogReadOptions options;
  options.visitor = &append;
  EXPECT_TRUE(zkfmt::ReadTxnLog(source->get(), "log", options).ok());
  Result<archiving::SegmentInfo> info = (*writer)->Finish();
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? *info : archiving::SegmentInfo();
}

}  // namespace lockstep::testing
