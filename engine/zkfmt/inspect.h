// The `zk inspect` report for a data directory pair, in the API's protobuf shape.
#pragma once

#include "common/status.h"
#include "engine/zkfmt/data_dir.h"
#include "proto/inspect.pb.h"

namespace lockstep::zkfmt {

proto::InspectReport ToInspectReport(const RestorableSet& set);
Result<proto::InspectReport> InspectDataDirs(const DataDirs& dirs);

}  // namespace lockstep::zkfmt
