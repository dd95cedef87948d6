// The archive's routes: the coordinator's assignment of the archiver and the segments shipped
// between masters (internal, the cluster credential only; the mutating ones fenced by the
// route table), and `GET /v1/archive/status` for operators, answered by the coordinator, or,
// with no coordinator, from this master's own segments. Thread-safe as its parts are.
#pragma once

#include "agent/http/router.h"
#include "agent/master/catalog.h"
#include "common/http/client.h"
#include "common/http/message.h"
#include "coordinator/duties/archive_duty.h"
#include "coordinator/election.h"
#include "engine/archiving/archiver.h"
#include "engine/archiving/segment_store.h"

namespace lockstep::agent {

struct ArchiveApiParts {
  std::string token;  // the cluster credential, to forward status to the coordinator
  archiving::SegmentStore* store = nullptr;
  archiving::Archiver* archiver = nullptr;
  ArchiveDuty* duty = nullptr;
  Catalog* catalog = nullptr;
  const coordinator::Election* election = nullptr;
  const http::Client* client = nullptr;
};

class ArchiveApi {
 public:
  explicit ArchiveApi(ArchiveApiParts parts) : parts_(std::move(parts)) {}

  http::Reply Status(const http::Request& request, const PathParams& params);
  // POST …/archiver: take or renew the job (body: ArchiveAssignment); GET: the report.
  http::Reply Assign(const http::Request& request, const PathParams& params);
  http::Reply Report(const http::Request& request, const PathParams& params);
  http::Reply Release(const http::Request& request, const PathParams& params);
  http::Reply ListSegments(const http::Request& request, const PathParams& params);
  // POST …/segments/{id}?info=<record JSON>: the body is the stored segment.
  http::Reply ReceiveSegment(const http::Request& request, const PathParams& params);
  http::Reply SendSegment(const http::Request& request, const PathParams& params);

 private:
  ArchiveApiParts parts_;
};

}  // namespace lockstep::agent
