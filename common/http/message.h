// The HTTP request and reply as handlers see them: whole bodies in memory (bounded by the
// server's limits), headers reduced to what Lockstep uses.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace lockstep::http {

// The header an agent adds to a request it forwards for a caller (agent/http/forwarding.h).
inline constexpr char kForwardedHeader[] = "X-Lockstep-Forwarded";

struct Request {
  std::string method;  // GET, POST, …
  std::string target;  // the request target as received (path and query, still encoded)
  std::string path;    // target without the query
  std::map<std::string, std::string> query;
  std::string body;
  std::string body_file;      // set instead of body for uploads (see ServerOptions)
  std::string authorization;  // the Authorization header, verbatim
  std::string content_type;
  std::string accept;  // the Accept header, verbatim
  std::string remote;  // peer address, for logs
  // The subject of the TLS client certificate the peer presented ("/CN=ops-1/O=…"), when the
  // server asks for one (ServerTlsFiles::client_ca_file); empty otherwise.
  std::string client_subject;
  // The X-Lockstep-Forwarded header as received (agent/http/forwarding.h): an agent's
  // claim that it forwards a caller's request. Proves nothing until checked.
  std::string forward_proof;
  // The master that first received this request, once the router has checked forward_proof
  // against the cluster credential; empty for a request a caller sent here directly. Never set
  // from the wire.
  std::string forwarded_by;
};

// The media type of a protobuf message in its binary encoding: what Lockstep's own clients ask
// for (Accept) to skip JSON's cost on large answers; JSON stays the default for everyone else.
inline constexpr char kProtobufType[] = "application/x-protobuf";

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string file_path;  // when set, the file is streamed as the body instead
  // When set, the body is rendered from a message once the wanted encoding is known:
  // render(true) is the binary protobuf encoding, render(false) JSON.
  std::function<std::string(bool binary)> render;
  // Client side: every header of the reply, names in lowercase (a repeated header keeps its
  // last value). Server side: headers added to a body reply (a streamed file gets none).
  std::map<std::string, std::string> headers;
  // Server side: the reply is another agent's, to which this one forwarded the request; that
  // agent executed and audited it (agent/http/forwarding.h).
  bool relayed = false;
};

// Renders `reply` for a request that accepts `accept`: the body from `render`, binary when the
// caller asked for kProtobufType.
void RenderFor(const std::string& accept, Reply& reply);

// A JSON error body {"error": message, "code": code}, escaped.
Reply ErrorReply(int status, const std::string& code, const std::string& message);

}  // namespace lockstep::http
