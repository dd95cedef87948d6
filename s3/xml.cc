#include "s3/xml.h"

#include <expat.h>

#include <limits>

namespace lockstep::s3 {

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const auto& child : children) {
    if (child->name == child_name) return child.get();
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  return child ? child->text : std::string();
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_name) const {
  std::vector<const XmlElement*> found;
  for (const auto& child : children) {
    if (child->name == child_name) found.push_back(child.get());
  }
  return found;
}

namespace {

struct Builder {
  std::unique_ptr<XmlElement> root;
  std::vector<XmlElement*> open;  // the path from the root to the current element
};

std::string LocalName(const char* name) {
  std::string_view view(name);
  const size_t colon = view.rfind(':');
  return std::string(colon == std::string_view::npos ? view : view.substr(colon + 1));
}

void OnStart(void* data, const char* name, const char** /*attributes*/) {
  auto* builder = static_cast<Builder*>(data);
  auto element = std::make_unique<XmlElement>();
  element->name = LocalName(name);
  XmlElement* raw = element.get();
  if (builder->open.empty()) {
    builder->root = std::move(element);
  } else {
    builder->open.back()->children.push_back(std::move(element));
  }
  builder->open.push_back(raw);
}

void OnEnd(void* data, const char* /*name*/) { static_cast<Builder*>(data)->open.pop_back(); }

void OnText(void* data, const char* text, int length) {
  auto* builder = static_cast<Builder*>(data);
  if (!builder->open.empty()) builder->open.back()->text.append(text, static_cast<size_t>(length));
}

}  // namespace

Result<std::unique_ptr<XmlElement>> ParseXml(std::string_view document) {
  if (document.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Corruption("XML document too large");
  }
  Builder builder;
  XML_Parser parser = XML_ParserCreate(nullptr);
  XML_SetUserData(parser, &builder);
  XML_SetElementHandler(parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser, OnText);
  const XML_Status status =
      XML_Parse(parser, document.data(), static_cast<int>(document.size()), XML_TRUE);
  std::string error;
  if (status != XML_STATUS_OK) {
    error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
            std::to_string(XML_GetCurrentLineNumber(parser));
  }
  XML_ParserFree(parser);
  if (!error.empty()) return Corruption("malformed XML: " + error);
  if (!builder.root) return Corruption("XML document without an element");
  return std::move(builder.root);
}

}  // namespace lockstep::s3
