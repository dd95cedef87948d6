// The audit log over HTTP (the route table, routes.cc, lists the paths):
//   admin:    GET /v1/audit?since=T            every master's entries, merged and sorted by time
//   cluster:  GET /v1/internal/audit?since=T   this master's (what the merge asks each peer)
// `since` is RFC 3339 (api/audit_time.h); without it, everything kept. Thread-safe: the log
// locks for itself and the peer view hands out snapshots.
#pragma once

#include <chrono>
#include <string>

#include "agent/http/router.h"
#include "agent/master/audit_log.h"
#include "agent/master/peer_view.h"
#include "common/http/client.h"
#include "common/http/message.h"

namespace lockstep::agent {

// Most entries one answer carries (the newest kept, `truncated` set): about 3 MB of JSON.
inline constexpr size_t kAuditAnswerLimit = 10000;

struct AuditServiceOptions {
  std::string cluster_secret;  // what this agent presents to its peers
  // A peer's log is read from disk: allow it longer than a status poll.
  std::chrono::milliseconds peer_timeout{10000};
};

class AuditService {
 public:
  AuditService(AuditServiceOptions options, const AuditLog* log, const PeerView* peers,
               const http::Client* client)
      : options_(std::move(options)), log_(log), peers_(peers), client_(client) {}

  http::Reply Cluster(const http::Request& request, const PathParams& params) const;
  http::Reply Local(const http::Request& request, const PathParams& params) const;

 private:
  // This master's entries and every reachable peer's, sorted by time then master.
  proto::AuditLog Merged(const std::string& since) const;
  // One peer's entries, or an error saying why there are none.
  Result<proto::AuditLog> AskPeer(const std::string& url, const std::string& since) const;

  const AuditServiceOptions options_;
  const AuditLog* log_;
  const PeerView* peers_;
  const http::Client* client_;
};

// The canonical form of the request's `since` ("" when absent), or the error to answer with.
Result<std::string> SinceParam(const http::Request& request);

// Entries of several masters in time order (ties by master), at most `limit` (the newest kept,
// `truncated` set when some were dropped or any part was truncated already).
void SortAndBound(proto::AuditLog* log, size_t limit);

}  // namespace lockstep::agent
