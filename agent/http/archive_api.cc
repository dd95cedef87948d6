#include "agent/http/archive_api.h"

#include "agent/http/api_util.h"
#include "agent/http/coordinator_route.h"
#include "agent/http/internal_api.h"
#include "proto/json.h"

namespace lockstep::agent {

http::Reply ArchiveApi::Status(const http::Request& request, const PathParams&) {
  if (parts_.election->Current()) {
    if (auto forwarded = RouteToCoordinator(*parts_.election, *parts_.client, parts_.token, request,
                                            std::chrono::seconds(5))) {
      return *forwarded;
    }
    return JsonReply(parts_.duty->Status(parts_.catalog->All()));
  }
  // No coordinator (ZooKeeper down): what this master holds still tells what can be restored.
  proto::ArchiveStatus status;
  status.set_enabled(parts_.duty->settings().enabled);
  status.set_state("unknown: no coordinator (" + parts_.election->problem() + ")");
  archiving::DescribeChains(archiving::BasesOf(parts_.catalog->All()),
                            archiving::SegmentsOf(parts_.store->List()), &status);
  return JsonReply(status);
}

http::Reply ArchiveApi::Assign(const http::Request& request, const PathParams&) {
  proto::ArchiveAssignment assignment;
  if (lockstep::Status parsed = ParseBody(request, &assignment); !parsed.ok()) {
    return StatusReply(parsed);
  }
  if (assignment.lease_ms() == 0) return StatusReply(InvalidArgument("lease_ms must be > 0"));
  Result<uint64_t> generation = InternalApi::GenerationOf(request);  // admitted by the route
  if (!generation.ok()) return StatusReply(generation.status());
  return JsonReply(parts_.archiver->Assign(assignment, *generation));
}

http::Reply ArchiveApi::Report(const http::Request&, const PathParams&) {
  return JsonReply(parts_.archiver->Report());
}

http::Reply ArchiveApi::Release(const http::Request&, const PathParams&) {
  parts_.archiver->Release();
  return JsonReply(parts_.archiver->Report());
}

http::Reply ArchiveApi::ListSegments(const http::Request&, const PathParams&) {
  proto::ArchiveSegmentList list;
  for (auto& segment : parts_.store->List()) *list.add_segments() = std::move(segment);
  return JsonReply(list);
}

http::Reply ArchiveApi::ReceiveSegment(const http::Request& request, const PathParams& params) {
  proto::ArchiveSegment record;
  if (lockstep::Status parsed = proto::FromJson(QueryOr(request, "info", ""), &record, true);
      !parsed.ok()) {
    return StatusReply(InvalidArgument("bad segment record in ?info=: " + parsed.message()));
  }
  if (record.id() != params.at("id")) {
    return StatusReply(InvalidArgument("segment id " + record.id() + " differs from the path's " +
                                       params.at("id")));
  }
  // Retention would remove it at once (no kept base needs it): taken as delivered, not kept, so
  // an archiver catching up old history does not ship it here again and again.
  const std::vector<archiving::Base> bases = archiving::BasesOf(parts_.catalog->Local());
  const std::optional<Zxid> last = ParseHexZxid(record.last_zxid());
  if (!bases.empty() && last && *last <= bases.front().zxid &&
      archiving::CheckSegmentId(record.id()).ok()) {
    return JsonReply(record);
  }
  lockstep::Status received = request.body_file.empty()
                                  ? parts_.store->Receive(record, request.body)
                                  : parts_.store->ReceiveFile(record, request.body_file);
  return received.ok() ? JsonReply(record) : StatusReply(received);
}

http::Reply ArchiveApi::SendSegment(const http::Request&, const PathParams& params) {
  const std::string& id = params.at("id");
  if (lockstep::Status valid = archiving::CheckSegmentId(id); !valid.ok()) {
    return StatusReply(valid);
  }
  if (!parts_.store->Has(id)) return StatusReply(NotFound("no segment " + id + " here"));
  http::Reply reply;
  reply.content_type = "application/octet-stream";
  reply.file_path = parts_.store->PathOf(id);
  return reply;
}

}  // namespace lockstep::agent
