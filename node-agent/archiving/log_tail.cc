#include "node-agent/archiving/log_tail.h"

#include "node-agent/archiving/chain.h"
#include "node-agent/zkfmt/byte_source.h"
#include "node-agent/zkfmt/data_dir.h"

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

}  // namespace

Result<TailResult> TailLogs(const std::string& log_dir, Zxid after, Zxid upto,
                            const zkfmt::TxnVisitor& visit) {
  TailResult result;
  if (upto <= after) return result;
  ASSIGN_OR_RETURN(std::vector<zkfmt::ZkFile> logs,
                   zkfmt::ListZkFiles(log_dir, zkfmt::FileRole::kTxnLog));
  Zxid last = after;
  // Whether the logs hold `after` itself. A new epoch's first transaction follows the end of
  // the last epoch, whatever zxid that had, so across an epoch change only the server's own log
  // proves that nothing lies between our end and its next record.
  bool anchored = after == 0;
  for (const zkfmt::ZkFile& log : LogsAfter(logs, after)) {
    if (result.gap) break;
    ASSIGN_OR_RETURN(auto source, zkfmt::FileSource::Open(log.path));
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
    };
    zkfmt::TxnLogReadOptions options;
    options.max_zxid = upto;
    options.visitor = &pass;
    ASSIGN_OR_RETURN(zkfmt::TxnLogSummary summary, zkfmt::ReadTxnLog(source.get(), log.name, options));
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
