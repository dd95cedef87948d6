// What may appear in the text of an HTTP request, on both sides of the wire. A control character
// (C0 or DEL) in a request's target, a decoded path or query value, or a header value has no
// honest use in Lockstep's API and is how request smuggling starts: a decoded CR LF that reaches
// a forwarded request line ends it early and puts a second request of the sender's choosing on
// the connection. The server refuses such a request before any handler sees it; the client
// refuses to send one.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/http/client.h"
#include "common/http/message.h"
#include "common/status.h"

namespace lockstep::http {

// Whether `text` holds a C0 control character or DEL (a header value's HTAB excepted when
// `allow_tab`).
bool HasControlCharacter(std::string_view text, bool allow_tab = false);

// Fills request->target (as received), path (the target before '?', still encoded) and query
// (each key and value percent-decoded; a repeated key keeps its last value).
void SplitTarget(std::string_view target, Request* request);

// InvalidArgument naming the part of `request` (path, query key or value, header) that holds a
// control character once decoded, or OK.
Status CheckRequestText(const Request& request);

// InvalidArgument when a header `name: value` holds a control character (HTAB allowed in values).
Status CheckHeaderText(std::string_view name, std::string_view value);

// InvalidArgument when a call would put CR, LF, NUL or another control character into its
// request line or a header: refused before anything is sent.
Status CheckCallText(const CallOptions& options);

// The target for `path` and `query`: each query key and value percent-encoded (RFC 3986, so
// nothing a caller chose can end the request line), in the map's order.
std::string BuildTarget(const std::string& path, const std::map<std::string, std::string>& query);

}  // namespace lockstep::http
