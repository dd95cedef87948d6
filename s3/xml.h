// A small element tree parsed with expat: enough for S3's answers (elements and text; attributes
// and namespaces dropped, names without their namespace prefix). Not for untrusted giants: the
// whole document is kept in memory, bounded by the HTTP client's reply limit.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lockstep::s3 {

struct XmlElement {
  std::string name;
  std::string text;  // the element's own character data, concatenated
  std::vector<std::unique_ptr<XmlElement>> children;

  // The first child named `name`, or nullptr.
  const XmlElement* Child(std::string_view child_name) const;
  // The text of the first child named `name`, or "" when there is none.
  std::string ChildText(std::string_view child_name) const;
  // Every child named `name`, in document order.
  std::vector<const XmlElement*> Children(std::string_view child_name) const;
};

// The document's root element; Corruption naming expat's error and line for malformed XML.
Result<std::unique_ptr<XmlElement>> ParseXml(std::string_view document);

}  // namespace lockstep::s3
