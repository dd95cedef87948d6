#include "s3/s3_responses.h"

#include <charconv>

#include "s3/xml.h"

namespace lockstep::s3 {
namespace {

// The root element, which must be named `expected`.
Result<std::unique_ptr<XmlElement>> Root(std::string_view body, std::string_view expected) {
  ASSIGN_OR_RETURN(auto root, ParseXml(body));
  if (root->name != expected) {
    return Corruption("expected <" + std::string(expected) + ">, got <" + root->name + ">");
  }
  return root;
}

Result<std::string> Required(const XmlElement& parent, std::string_view name) {
  const XmlElement* child = parent.Child(name);
  if (!child || child->text.empty()) {
    return Corruption("<" + parent.name + "> lacks <" + std::string(name) + ">");
  }
  return child->text;
}

Result<ObjectSummary> ParseContents(const XmlElement& contents) {
  ObjectSummary object;
  ASSIGN_OR_RETURN(object.key, Required(contents, "Key"));
  const std::string size = contents.ChildText("Size");
  auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), object.size);
  if (ec != std::errc() || end != size.data() + size.size()) {
    return Corruption("object '" + object.key + "' has a bad <Size> '" + size + "'");
  }
  object.etag = contents.ChildText("ETag");
  object.last_modified = contents.ChildText("LastModified");
  return object;
}

}  // namespace

std::optional<ErrorBody> ParseErrorBody(std::string_view body) {
  auto root = ParseXml(body);
  if (!root.ok() || (*root)->name != "Error") return std::nullopt;
  const XmlElement& error = **root;
  return ErrorBody{error.ChildText("Code"), error.ChildText("Message"), error.ChildText("Resource"),
                   error.ChildText("RequestId")};
}

Result<ListObjectsPage> ParseListObjectsV2(std::string_view body) {
  ASSIGN_OR_RETURN(auto root, Root(body, "ListBucketResult"));
  ListObjectsPage page;
  for (const XmlElement* contents : root->Children("Contents")) {
    ASSIGN_OR_RETURN(ObjectSummary object, ParseContents(*contents));
    page.objects.push_back(std::move(object));
  }
  for (const XmlElement* prefix : root->Children("CommonPrefixes")) {
    page.common_prefixes.push_back(prefix->ChildText("Prefix"));
  }
  page.truncated = root->ChildText("IsTruncated") == "true";
  page.next_continuation_token = root->ChildText("NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Corruption("a truncated listing without <NextContinuationToken>");
  }
  return page;
}

Result<MultipartUploadsPage> ParseListMultipartUploads(std::string_view body) {
  ASSIGN_OR_RETURN(auto root, Root(body, "ListMultipartUploadsResult"));
  MultipartUploadsPage page;
  for (const XmlElement* upload : root->Children("Upload")) {
    MultipartUpload entry;
    ASSIGN_OR_RETURN(entry.key, Required(*upload, "Key"));
    ASSIGN_OR_RETURN(entry.upload_id, Required(*upload, "UploadId"));
    entry.initiated = upload->ChildText("Initiated");
    page.uploads.push_back(std::move(entry));
  }
  page.truncated = root->ChildText("IsTruncated") == "true";
  page.next_key_marker = root->ChildText("NextKeyMarker");
  page.next_upload_id_marker = root->ChildText("NextUploadIdMarker");
  return page;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view body) {
  ASSIGN_OR_RETURN(auto root, Root(body, "InitiateMultipartUploadResult"));
  return Required(*root, "UploadId");
}

std::string CompleteMultipartUploadBody(const std::vector<CompletedPart>& parts) {
  std::string body = "<CompleteMultipartUpload>";
  for (const CompletedPart& part : parts) {
    body += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>" +
            XmlEscape(part.etag) + "</ETag></Part>";
  }
  return body + "</CompleteMultipartUpload>";
}

Result<std::string> ParseCompleteMultipartUpload(std::string_view body) {
  ASSIGN_OR_RETURN(auto root, Root(body, "CompleteMultipartUploadResult"));
  return Required(*root, "ETag");
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace lockstep::s3
