#include "agent/offsite/peer_shipper.h"

#include <set>

#include "api/paths.h"
#include "api/status_http.h"
#include "common/file.h"
#include "common/http/url.h"
#include "common/log.h"
#include "coordinator/agent_client.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

namespace paths = api::paths;

constexpr size_t kMaxSegmentBytes = 256 << 20;

}  // namespace

PeerShipper::PeerShipper(std::vector<PeerConfig> peers, const http::Client& client,
                         std::string token, std::chrono::milliseconds timeout,
                         archiving::SegmentStore* store, Clock& clock)
    : peers_(std::move(peers)),
      client_(client),
      token_(std::move(token)),
      timeout_(timeout),
      store_(store),
      backlog_(clock, kCatchUpEvery) {}

std::vector<std::string> PeerShipper::Ship(const proto::ArchiveSegment& record,
                                           const std::string& path, uint64_t generation) {
  std::vector<std::string> unshipped;
  Result<std::string> bytes = ReadSmallFile(path, kMaxSegmentBytes);
  for (const PeerConfig& peer : peers_) {
    // A peer behind is caught up by CatchUp, in order, not sent this one out of turn.
    if (backlog_.StandingOf(peer.name) != ShippingBacklog::Standing::kCurrent) {
      unshipped.push_back(peer.name);
      continue;
    }
    const Status sent = bytes.ok() ? Send(peer, record, *bytes, generation) : bytes.status();
    Note(peer, sent, record.id());
    if (!sent.ok()) unshipped.push_back(peer.name);
  }
  return unshipped;
}

void PeerShipper::CatchUp(uint64_t generation) {
  for (const PeerConfig& peer : peers_) {
    if (backlog_.StandingOf(peer.name) == ShippingBacklog::Standing::kDue) {
      Note(peer, SendMissing(peer, generation), "catch-up");
    }
  }
}

void PeerShipper::Recheck() {
  std::vector<std::string> names;
  for (const PeerConfig& peer : peers_) names.push_back(peer.name);
  backlog_.Recheck(names);
}

void PeerShipper::Note(const PeerConfig& peer, const Status& sent, const std::string& what) {
  const ShippingBacklog::Noted noted = backlog_.Note(peer.name, sent.ok());
  if (noted.caught_up) log::Info("archive peer caught up", {{"peer", peer.name}});
  if (noted.first_failure) {
    log::Warn("archive segment not shipped",
              {{"peer", peer.name}, {"segment", what}, {"error", sent.message()}});
  }
}

Status PeerShipper::Send(const PeerConfig& peer, const proto::ArchiveSegment& record,
                         const std::string& bytes, uint64_t generation) const {
  ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(peer.url));
  const std::string target = paths::Fill(paths::kArchiveSegment, {record.id()}) + "?" +
                             coordinator::kGenerationParam + "=" +
                             FormatZxid(static_cast<Zxid>(generation)) +
                             "&info=" + http::QueryEscape(proto::ToCompactJson(record));
  http::CallOptions call{
      .method = "POST", .target = target, .body = bytes, .token = token_, .timeout = timeout_};
  ASSIGN_OR_RETURN(http::Reply reply, client_.Call(url, call));
  if (reply.status / 100 != 2) return api::StatusFromReply(reply, peer.name + " " + record.id());
  return Status::Ok();
}

Status PeerShipper::SendMissing(const PeerConfig& peer, uint64_t generation) const {
  ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(peer.url));
  http::CallOptions call{.target = paths::kArchiveSegments, .token = token_, .timeout = timeout_};
  ASSIGN_OR_RETURN(http::Reply reply, client_.Call(url, call));
  if (reply.status != 200) return api::StatusFromReply(reply, peer.name + " segment list");
  proto::ArchiveSegmentList held;
  RETURN_IF_ERROR(proto::FromJson(reply.body, &held, true));
  RETURN_IF_ERROR(TakeMissing(peer, held));
  std::set<std::string> has;
  for (const auto& segment : held.segments()) has.insert(segment.id());
  size_t sent = 0;
  for (const auto& record : store_->List()) {
    if (has.count(record.id())) continue;
    if (sent == kCatchUpBatch)
      return Status(StatusCode::kUnavailable, peer.name + " still lacks segments");
    ASSIGN_OR_RETURN(std::string bytes,
                     ReadSmallFile(store_->PathOf(record.id()), kMaxSegmentBytes));
    RETURN_IF_ERROR(Send(peer, record, bytes, generation));
    ++sent;
  }
  return Status::Ok();
}

Status PeerShipper::TakeMissing(const PeerConfig& peer,
                                const proto::ArchiveSegmentList& held) const {
  // Segments ending before the oldest held here were removed by retention (or no chain needs
  // them): taken again they would only be removed again.
  Zxid oldest_held = 0;
  for (const auto& record : store_->List()) {
    const Result<archiving::Segment> segment = archiving::SegmentOf(record);
    if (segment.ok() && (oldest_held == 0 || segment->info.first_zxid < oldest_held)) {
      oldest_held = segment->info.first_zxid;
    }
  }
  size_t taken = 0;
  for (const auto& record : held.segments()) {
    if (store_->Has(record.id())) continue;
    const Result<archiving::Segment> segment = archiving::SegmentOf(record);
    if (!segment.ok()) return segment.status();
    if (segment->info.last_zxid < oldest_held) continue;
    if (taken == kCatchUpBatch)
      return Status(StatusCode::kUnavailable, "still taking " + peer.name + "'s segments");
    RETURN_IF_ERROR(FetchSegment(*store_, record, {peer.url}, client_, token_, timeout_));
    log::Info("archive segment taken from a peer", {{"peer", peer.name}, {"segment", record.id()}});
    ++taken;
  }
  return Status::Ok();
}

Status FetchSegment(archiving::SegmentStore& store, const proto::ArchiveSegment& record,
                    const std::vector<std::string>& urls, const http::Client& client,
                    const std::string& token, std::chrono::milliseconds timeout) {
  RETURN_IF_ERROR(archiving::CheckSegmentId(record.id()));
  std::string tried;
  for (const std::string& url : urls) {
    Status fetched = [&]() -> Status {
      ASSIGN_OR_RETURN(http::Url parsed, http::ParseUrl(url));
      http::CallOptions call{.target = paths::Fill(paths::kArchiveSegment, {record.id()}),
                             .token = token,
                             .timeout = timeout,
                             .reply_limit = kMaxSegmentBytes};
      ASSIGN_OR_RETURN(http::Reply reply, client.Call(parsed, call));
      if (reply.status != 200) return api::StatusFromReply(reply, url);
      return store.Receive(record, reply.body);
    }();
    if (fetched.ok()) return fetched;
    tried += (tried.empty() ? "" : "; ") + fetched.message();
  }
  return NotFound("archived segment " + record.id() + " is on no master that answered" +
                  (tried.empty() ? "" : " (" + tried + ")"));
}

}  // namespace lockstep::agent
