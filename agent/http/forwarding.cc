#include "agent/http/forwarding.h"

#include <sstream>

#include "common/http/request_text.h"
#include "common/sha256.h"

namespace lockstep::agent {
namespace {

constexpr char kProofContext[] = "lockstep-forward-v1";

// HMAC-SHA-256 under `secret` of the fields, each ended by a newline (none of them can hold
// one: request_text.h refuses control characters on both sides).
std::string Mac(const std::string& secret, const std::string& master, int64_t unix_seconds,
                const std::string& method, const std::string& target,
                const std::string& authorization) {
  const std::string message = std::string(kProofContext) + "\n" + master + "\n" +
                              std::to_string(unix_seconds) + "\n" + method + "\n" + target + "\n" +
                              authorization + "\n";
  return HmacSha256Hex(secret, message);
}

}  // namespace

std::string ForwardProof(const ForwardingAgent& self, const std::string& method,
                         const std::string& target, const std::string& authorization,
                         int64_t unix_seconds) {
  return self.master + " " + std::to_string(unix_seconds) + " " +
         Mac(self.cluster_secret, self.master, unix_seconds, method, target, authorization);
}

Result<std::string> CheckForwardProof(const std::string& cluster_secret,
                                      const http::Request& request, int64_t now_unix_seconds) {
  std::istringstream fields(request.forward_proof);
  std::string master, mac, rest;
  int64_t when = 0;
  if (!(fields >> master >> when >> mac) || (fields >> rest)) {
    return InvalidArgument(std::string(http::kForwardedHeader) +
                           " is not 'MASTER SECONDS MAC'; only agents send it");
  }
  const std::string expected =
      Mac(cluster_secret, master, when, request.method, request.target, request.authorization);
  if (!HexDigestsEqual(mac, expected)) {
    return InvalidArgument(std::string(http::kForwardedHeader) +
                           " does not verify under the cluster credential; only agents send it");
  }
  const int64_t skew = now_unix_seconds > when ? now_unix_seconds - when : when - now_unix_seconds;
  if (skew > kForwardProofWindow.count()) {
    return InvalidArgument("a request forwarded by " + master + " is " + std::to_string(skew) +
                           " s away from this master's clock (at most " +
                           std::to_string(kForwardProofWindow.count()) +
                           " s allowed): check the masters' clocks (NTP)");
  }
  return master;
}

bool IsInternalPath(const std::string& path) { return path.starts_with("/v1/internal/"); }

http::CallOptions ForwardedCall(const ForwardingAgent& self, const http::Request& request,
                                std::chrono::milliseconds timeout, int64_t unix_seconds) {
  http::CallOptions call{.method = request.method,
                         .target = http::BuildTarget(request.path, request.query),
                         .body = request.body,
                         .accept = request.accept,
                         .timeout = timeout};
  call.authorization =
      IsInternalPath(request.path) ? "Bearer " + self.cluster_secret : request.authorization;
  call.headers.emplace_back(http::kForwardedHeader, ForwardProof(self, call.method, call.target,
                                                                 call.authorization, unix_seconds));
  return call;
}

}  // namespace lockstep::agent
