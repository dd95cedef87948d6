// The audit log's times (RFC 3339, UTC, milliseconds) and the `since` bound readers give it.
// One fixed-width form, so comparing two stamps as strings compares the times, and entries merged
// from several masters sort by their text.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lockstep::api {

// "2026-12-01T23:56:21.123Z".
std::string AuditTimestamp(std::chrono::system_clock::time_point when);

// The instant `text` names: RFC 3339 ("2026-12-01T23:56:21Z", fraction and a ±hh:mm offset
// allowed) or a UTC date ("2026-12-01", its midnight). InvalidArgument naming the accepted forms.
Result<std::chrono::system_clock::time_point> ParseAuditTime(std::string_view text);

// For `lockstep audit --since`: ParseAuditTime's forms, or an age before `now` ("90m", "24h",
// "7d"), as the canonical AuditTimestamp.
Result<std::string> SinceBound(std::string_view text, std::chrono::system_clock::time_point now);

}  // namespace lockstep::api
