#include "engine/archiving/log_tail.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "engine/archiving/chain.h"
#include "engine/zkfmt/byte_source.h"
#include "engine/zkfmt/data_dir.h"

namespace lockstep::archiving {
namespace {

// The logs that can hold `after` + 1 onwards: the last one starting at or before it, and every
// later one.
std::vector<zkfmt::ZkFile> LogsAfter(const std::vector<zkfmt::ZkFile>& logs, Zxid after) {
  std::vector<zkfmt::ZkFile> chosen;
  for (size_t i = 0; i < logs.size(); ++i) {
    const bool later = logs[i].zxid > after + 1;
    const bool holds = !later && (i + 1 == logs.size() || logs[i + 1].zxid > after + 1);
    if (later || holds) chosen.push_back(logs[i]);
  }
  return chosen;
}

constexpr uint64_t kLogHeaderBytes = 16;  // magic, version, dbid
constexpr uint64_t kRecordFraming = 13;   // Adler32 (8), length (4), end marker 'B' (1)

// A log file read from `offset` on, behind its own header: the log reader sees a whole log.
class ResumedLog : public zkfmt::ByteSource {
 public:
  static Result<std::unique_ptr<ResumedLog>> Open(const std::string& path, uint64_t offset) {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
    std::string header(kLogHeaderBytes, '\0');
    ASSIGN_OR_RETURN(size_t got, ReadFully(fd.get(), header.data(), header.size(), path));
    header.resize(got);
    if (::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0) {
      return ErrnoError("cannot seek in", path, errno);
    }
    return std::unique_ptr<ResumedLog>(new ResumedLog(std::move(fd), path, std::move(header)));
  }
  Result<size_t> Read(char* buffer, size_t size) override {
    if (served_ < header_.size()) {
      const size_t n = std::min(size, header_.size() - served_);
      std::memcpy(buffer, header_.data() + served_, n);
      served_ += n;
      return n;
    }
    return ReadFully(fd_.get(), buffer, size, path_);
  }

 private:
  ResumedLog(UniqueFd fd, std::string path, std::string header)
      : fd_(std::move(fd)), path_(std::move(path)), header_(std::move(header)) {}
  UniqueFd fd_;
  std::string path_;
  std::string header_;
  size_t served_ = 0;
};

// The logs to read, and where in the first: from `resume` when it stopped right after `after`
// in a log still there, else from the start of the logs that can hold `after` + 1.
std::vector<zkfmt::ZkFile> StartingPoint(const std::vector<zkfmt::ZkFile>& logs, Zxid after,
                                         const std::optional<TailPosition>& resume,
                                         uint64_t* offset) {
  *offset = 0;
  if (resume && resume->zxid == after) {
    auto at = std::find_if(logs.begin(), logs.end(),
                           [&](const zkfmt::ZkFile& log) { return log.name == resume->log; });
    if (at != logs.end()) {
      *offset = resume->offset;
      return {at, logs.end()};
    }
  }
  return LogsAfter(logs, after);
}

}  // namespace

Result<TailResult> TailLogs(const std::string& log_dir, Zxid after, Zxid upto,
                            const zkfmt::TxnVisitor& visit,
                            const std::optional<TailPosition>& resume) {
  TailResult result;
  if (upto <= after) {
    if (resume && resume->zxid == after) result.position = resume;
    return result;
  }
  ASSIGN_OR_RETURN(std::vector<zkfmt::ZkFile> logs,
                   zkfmt::ListZkFiles(log_dir, zkfmt::FileRole::kTxnLog));
  Zxid last = after;
  uint64_t offset = 0;
  const std::vector<zkfmt::ZkFile> chosen = StartingPoint(logs, after, resume, &offset);
  // Whether the logs hold `after` itself. A new epoch's first transaction follows the end of
  // the last epoch, whatever zxid that had, so across an epoch change only the server's own log
  // proves that nothing lies between our end and its next record. Resuming right after it is
  // that proof.
  bool anchored = after == 0 || offset > 0;
  if (offset > 0) result.position = resume;
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (result.gap) break;
    const zkfmt::ZkFile& log = chosen[i];
    const uint64_t skipped = i == 0 ? offset : 0;  // bytes of the file not read, after its header
    std::unique_ptr<zkfmt::ByteSource> source;
    if (skipped > 0) {
      ASSIGN_OR_RETURN(source, ResumedLog::Open(log.path, skipped));
    } else {
      ASSIGN_OR_RETURN(source, zkfmt::FileSource::Open(log.path));
    }
    // A record's place in the file, from its place in what the reader was given.
    const uint64_t shift = skipped > 0 ? skipped - kLogHeaderBytes : 0;
    zkfmt::TxnVisitor pass = [&](const zkfmt::TxnRecord& record) {
      if (record.zxid == after) anchored = true;
      if (result.gap || record.zxid <= last) return;  // before the range, or logged twice
      const bool first = last == after;
      if (!Follows(last, record.zxid) || (first && !anchored && record.zxid != after + 1)) {
        result.gap = true;
        result.resumes_at = record.zxid;
        return;
      }
      visit(record);
      ++result.records;
      result.last = last = record.zxid;
      result.position = TailPosition{
          log.name, shift + record.offset + kRecordFraming + record.txn->size(), record.zxid};
    };
    zkfmt::TxnLogReadOptions options;
    options.max_zxid = upto;
    options.visitor = &pass;
    ASSIGN_OR_RETURN(zkfmt::TxnLogSummary summary,
                     zkfmt::ReadTxnLog(source.get(), log.name, options));
    for (const auto& problem : summary.problems) {
      // A jump inside the file is ours to judge (above); damage is not.
      if (problem.fatal && !problem.message.starts_with("zxid sequence broken")) {
        return Corruption(log.path + ": " + problem.message);
      }
    }
    if (summary.cut) break;  // reached `upto`
  }
  return result;
}

}  // namespace lockstep::archiving
