// How one agent forwards a caller's request to another (the coordinator, or the master a node
// action names) without lending its own authority.
//
// The forwarded request carries the caller's own Authorization header, unchanged: every master
// holds the same tokens_file, so the agent that executes the request authenticates the caller
// and checks the caller's role itself, and its audit log names the caller. The cluster
// credential never travels with a caller's request.
//
// Beside it, the forwarding agent adds X-Lockstep-Forwarded: "MASTER UNIX_SECONDS HMAC", an
// HMAC-SHA-256 under the cluster credential over the master's name, the time, the method, the
// exact target and the caller's Authorization header. It grants nothing: it only tells the
// receiver that an agent has already routed this request (so it is not routed again, and a
// restore the coordinator can't drive runs where it lands) and which master first received it,
// for the audit log. A caller can't forge it without the cluster credential, can't move it to
// another request, and can't replay it after kForwardProofWindow.
//
// Requests an agent makes on its own behalf (to /v1/internal/… routes) carry the cluster
// credential, as before; those routes accept nothing else.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/http/client.h"
#include "common/http/message.h"
#include "common/status.h"

namespace lockstep::agent {

// How far a proof's time may be from the receiver's clock, either way: masters' clocks agree
// to well within this (ZooKeeper sessions need it), and a captured proof dies with it.
inline constexpr std::chrono::seconds kForwardProofWindow{120};

// This agent, as a forwarder: its master's name and the cluster credential it signs with.
struct ForwardingAgent {
  std::string master;
  std::string cluster_secret;
};

// The X-Lockstep-Forwarded value for a request of `method` to `target` carrying `authorization`,
// made by `self` at `unix_seconds`.
std::string ForwardProof(const ForwardingAgent& self, const std::string& method,
                         const std::string& target, const std::string& authorization,
                         int64_t unix_seconds);

// The master that forwarded `request`, when its forward_proof is valid under `cluster_secret`
// at `now_unix_seconds`; InvalidArgument naming what is wrong otherwise.
Result<std::string> CheckForwardProof(const std::string& cluster_secret,
                                      const http::Request& request, int64_t now_unix_seconds);

// Whether `path` is one of the agents' own routes (/v1/internal/…).
bool IsInternalPath(const std::string& path);

// The call forwarding `request` from `self`: the target rebuilt from the parsed path and query
// (each query key and value percent-encoded), the caller's Authorization (the cluster
// credential for an agent's own internal request), the proof, the body and Accept.
http::CallOptions ForwardedCall(const ForwardingAgent& self, const http::Request& request,
                                std::chrono::milliseconds timeout, int64_t unix_seconds);

}  // namespace lockstep::agent
