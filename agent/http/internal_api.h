// The agent-to-agent half of the HTTP API (/v1/internal/…, the cluster credential only): each
// handler reads a request into the matching LocalAgent call and its result back into a reply. No
// decisions are made here; the route table (routes.cc) lists the paths. Thread-safe as
// LocalAgent is.
#pragma once

#include "agent/http/router.h"
#include "agent/master/catalog.h"
#include "agent/master/local_agent.h"
#include "common/http/message.h"

namespace lockstep::agent {

class InternalApi {
 public:
  InternalApi(LocalAgent* self, Catalog* catalog) : self_(self), catalog_(catalog) {}

  // Ok when the request's coordinator generation (?generation=0x…) may change this master
  // (fence.h): the route table asks before every mutating handler.
  Status Admit(const http::Request& request);
  // The coordinator generation a request carries; 0 when it carries none.
  static Result<uint64_t> GenerationOf(const http::Request& request);

  http::Reply GetLock(const http::Request& request, const PathParams& params);
  http::Reply TakeLock(const http::Request& request, const PathParams& params);
  http::Reply ReleaseLock(const http::Request& request, const PathParams& params);
  http::Reply ArmCrashPoint(const http::Request& request, const PathParams& params);
  // ?index=1: ids and revisions only.
  http::Reply ListRecords(const http::Request& request, const PathParams& params);
  http::Reply GetRecord(const http::Request& request, const PathParams& params);
  http::Reply PutRecord(const http::Request& request, const PathParams& params);
  http::Reply ListSchedules(const http::Request& request, const PathParams& params);
  http::Reply PutSchedule(const http::Request& request, const PathParams& params);
  http::Reply Take(const http::Request& request, const PathParams& params);
  http::Reply Fetch(const http::Request& request, const PathParams& params);
  http::Reply Check(const http::Request& request, const PathParams& params);
  http::Reply DeepVerify(const http::Request& request, const PathParams& params);
  http::Reply RemoveReplica(const http::Request& request, const PathParams& params);
  // Streams this master's replica (a peer fetching it, or `backup download`).
  http::Reply SendReplica(const http::Request& request, const PathParams& params);
  http::Reply ListJournals(const http::Request& request, const PathParams& params);
  http::Reply RestoreStep(const http::Request& request, const PathParams& params);

 private:
  LocalAgent* self_;
  Catalog* catalog_;
};

}  // namespace lockstep::agent
