// How the CLI shows a backup's record: its status name, the VERIFIED column, a verification and
// the summary `backup show`, `backup create --wait` and `backup import` print.
#pragma once

#include <string>

#include "proto/backup.pb.h"

namespace lockstep::cli {

std::string StatusName(proto::BackupStatus status);
// `text` cut to `n` characters.
std::string Short(const std::string& text, size_t n);
// The VERIFIED column: the last verification's kind, result and age ("deep ok 2h ago",
// "quick FAILED 5m ago"), or "-" when the backup was never verified. ASCII, so columns align.
std::string VerifiedCell(const proto::Verification& v);
void PrintVerification(const proto::Verification& v);
void PrintSummary(const proto::Backup& b);

}  // namespace lockstep::cli
