// Backup labels and ids (DESIGN.md "Words"): a label is 3-25 characters matching
// ^[A-Za-z0-9_]{2}[A-Za-z0-9_.-]*$; an id is "<label>-<uuid4>". Ids become file names on every
// master, so anything else is refused before it reaches a path.
#pragma once

#include <string>

#include "common/status.h"

namespace lockstep::coordinator {

// InvalidArgument naming the rule the label breaks.
Status CheckLabel(const std::string& label);
Status CheckBackupId(const std::string& id);
// Schedule names become label prefixes: "<name>-yyyymmdd-hhmm" must stay within 25 characters.
Status CheckScheduleName(const std::string& name);
std::string NewBackupId(const std::string& label);
std::string LabelOfId(const std::string& id);

}  // namespace lockstep::coordinator
