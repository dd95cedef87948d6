#include "engine/zkfmt/txnlog.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <vector>

namespace lockstep::zkfmt {
namespace {

constexpr int32_t kMaxTxnLength = 64 << 20;

void AppendBe(std::string* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

class TxnLogParser {
 public:
  TxnLogParser(ByteSource* source, std::string name, const TxnLogReadOptions& options)
      : reader_(source, /*hash_sha256=*/false, /*track_adler=*/false),
        name_(std::move(name)),
        options_(options) {}

  Result<TxnLogSummary> Run() {
    ASSIGN_OR_RETURN(bool has_records, ParseHeader());
    if (has_records) RETURN_IF_ERROR(ParseRecords());
    if (repeats_ > 0) {
      Note(first_repeat_,
           std::to_string(repeats_) +
               " transaction(s) logged twice (same zxid and checksum); "
               "ZooKeeper loads such logs",
           false);
    }
    if (options_.compute_sha256) summary_.sha256 = sha_.HexDigest();
    summary_.valid = !HasFatal(summary_.problems);
    return std::move(summary_);
  }

 private:
  void Note(uint64_t offset, std::string message, bool fatal, std::string expected = "",
            std::string actual = "") {
    summary_.problems.push_back(
        {name_, offset, std::move(message), std::move(expected), std::move(actual), fatal});
  }

  Result<bool> ParseHeader() {
    char header[kTxnLogHeaderSize];
    ASSIGN_OR_RETURN(bool complete, reader_.ReadExact(header, sizeof header));
    summary_.file_size = reader_.offset();
    if (!complete) {
      // An empty file is what ZooKeeper leaves when it created a log and wrote nothing.
      if (reader_.offset() > 0) Note(0, "log header is torn; the log holds no records", false);
      return false;
    }
    SpanReader span(header, sizeof header);
    int32_t magic = 0, version = 0;
    (void)span.ReadInt32(&magic);
    (void)span.ReadInt32(&version);
    if (magic != kTxnLogMagic) {
      Note(0, "not a ZooKeeper transaction log (bad magic)", true, FormatHex32(kTxnLogMagic),
           FormatHex32(static_cast<uint32_t>(magic)));
      return false;
    }
    if (version != 2) {
      Note(4, "unsupported transaction log version", true, "2", std::to_string(version));
      return false;
    }
    if (options_.compute_sha256) sha_.Update(header, sizeof header);
    summary_.data_size = kTxnLogHeaderSize;
    return true;
  }

  Status ParseRecords() {
    while (true) {
      ASSIGN_OR_RETURN(bool more, ParseOneRecord());
      summary_.file_size = reader_.offset();
      if (!more) return Status::Ok();
    }
  }

  // Returns false where the log ends.
  Result<bool> ParseOneRecord() {
    uint64_t start = reader_.offset();
    ASSIGN_OR_RETURN(bool at_end, reader_.AtEnd());
    if (at_end) return false;
    ASSIGN_OR_RETURN(auto crc, reader_.ReadInt64());
    ASSIGN_OR_RETURN(auto length, reader_.ReadInt32());
    if (!crc || !length) return Torn(start, "record header");
    if (*length == 0) return false;  // zero preallocation: the end of the log
    if (*length < 0 || *length > kMaxTxnLength) {
      Note(start + 8, "implausible record length", true, "1.." + std::to_string(kMaxTxnLength),
           std::to_string(*length));
      return false;
    }
    txn_.resize(static_cast<size_t>(*length));
    ASSIGN_OR_RETURN(bool complete, reader_.ReadExact(txn_.data(), txn_.size()));
    if (!complete) return Torn(start, "record body");
    char end_marker = 0;
    ASSIGN_OR_RETURN(complete, reader_.ReadExact(&end_marker, 1));
    if (!complete || end_marker != 'B') return Torn(start, "end-of-record marker");
    return AcceptRecord(start, *crc);
  }

  bool Torn(uint64_t start, const char* part) {
    Note(start, std::string("torn last record (") + part + "); the log ends here", false);
    return false;
  }

  Result<bool> AcceptRecord(uint64_t start, int64_t stored_crc) {
    auto actual = static_cast<uint32_t>(adler32(adler32(0L, Z_NULL, 0),
                                                reinterpret_cast<const Bytef*>(txn_.data()),
                                                static_cast<uInt>(txn_.size())));
    if (static_cast<uint64_t>(stored_crc) != actual) {
      Note(start, "record checksum (Adler32) mismatch", true,
           FormatHex32(static_cast<uint32_t>(stored_crc)), FormatHex32(actual));
      return false;
    }
    SpanReader span(txn_.data(), txn_.size());
    TxnRecord record;
    record.offset = start;
    record.txn = &txn_;
    int32_t cxid = 0;
    if (!span.ReadInt64(&record.client_id) || !span.ReadInt32(&cxid) ||
        !span.ReadInt64(&record.zxid) || !span.ReadInt64(&record.time_ms) ||
        !span.ReadInt32(&record.type)) {
      Note(start, "record shorter than a transaction header", true,
           ">= " + std::to_string(kTxnHeaderSize), std::to_string(txn_.size()));
      return false;
    }
    if (options_.max_zxid && record.zxid > *options_.max_zxid) {
      summary_.cut = true;
      return false;
    }
    const bool repeat = summary_.last_zxid && record.zxid <= *summary_.last_zxid;
    CheckContinuity(record, stored_crc);
    if (!repeat) crc_of_.emplace_back(record.zxid, stored_crc);
    Keep(record, stored_crc);
    return true;
  }

  void CheckContinuity(const TxnRecord& record, int64_t stored_crc) {
    if (!summary_.last_zxid) return;
    Zxid prev = *summary_.last_zxid;
    if (record.zxid <= prev) {
      // A follower's ZooKeeper 3.8 can log transactions it received while syncing twice; on load
      // it applies the log in order and only reports the repeat, so the data is restorable. A
      // zxid reused for other content is something else: corruption.
      auto first = std::lower_bound(crc_of_.begin(), crc_of_.end(),
                                    std::pair<Zxid, int64_t>{record.zxid, INT64_MIN});
      const bool logged = first != crc_of_.end() && first->first == record.zxid;
      if (!logged || first->second != stored_crc) {
        Note(record.offset, "zxid repeated with different content", true,
             logged ? "the record logged first" : "> " + FormatZxid(prev), FormatZxid(record.zxid));
      } else if (repeats_++ == 0) {
        first_repeat_ = record.offset;
      }
      return;
    }
    bool next_in_epoch = record.zxid == prev + 1;
    bool new_epoch = ZxidEpoch(record.zxid) > ZxidEpoch(prev);
    if (next_in_epoch || new_epoch) return;
    if (options_.covered_through && record.zxid - 1 <= *options_.covered_through) {
      Note(record.offset,
           "zxids missing from the log are in the snapshot (a follower synced by "
           "snapshot goes on logging in the same file)",
           false, FormatZxid(prev + 1), FormatZxid(record.zxid));
      return;
    }
    Note(record.offset, "zxid sequence broken inside the log", true, FormatZxid(prev + 1),
         FormatZxid(record.zxid));
  }

  void Keep(const TxnRecord& record, int64_t stored_crc) {
    if (!summary_.first_zxid) summary_.first_zxid = record.zxid;
    summary_.last_zxid = std::max(summary_.last_zxid.value_or(0), record.zxid);
    ++summary_.record_count;
    summary_.data_size = reader_.offset();
    if (options_.compute_sha256) {
      std::string prefix;
      AppendBe(&prefix, static_cast<uint64_t>(stored_crc), 8);
      AppendBe(&prefix, txn_.size(), 4);
      sha_.Update(prefix);
      sha_.Update(txn_);
      sha_.Update("B", 1);
    }
    if (options_.visitor) (*options_.visitor)(record);
  }

  JuteReader reader_;
  std::string name_;
  const TxnLogReadOptions& options_;
  TxnLogSummary summary_;
  std::string txn_;
  AsyncSha256 sha_;  // hashed beside the parsing, on another core
  // Each new zxid's record checksum, to judge repeats. Appended in zxid order, so sorted: 16
  // bytes a record, where a hash map took several times that.
  std::vector<std::pair<Zxid, int64_t>> crc_of_;
  uint64_t repeats_ = 0;
  uint64_t first_repeat_ = 0;
};

}  // namespace

Result<TxnLogSummary> ReadTxnLog(ByteSource* source, const std::string& name,
                                 const TxnLogReadOptions& options) {
  TxnLogParser parser(source, name, options);
  return parser.Run();
}

}  // namespace lockstep::zkfmt
