// A streaming XML reader over expat: element start/end callbacks by local name (namespace prefix
// dropped), character data in pieces, fed any number of bytes at a time.
//
// Safety: a document with a DTD is refused (the parse stops at the DOCTYPE), so no entity is ever
// expanded (no billion-laughs). Memory: expat's own buffers, bounded by the largest token.
// Threading: one thread; the callbacks run inside Feed.
#pragma once

#include <functional>
#include <string_view>

struct XML_ParserStruct;

namespace filesd::process {

class XmlReader {
 public:
  using StartFn = std::function<void(std::string_view name, const char** attrs)>;
  using EndFn = std::function<void(std::string_view name)>;
  using TextFn = std::function<void(std::string_view text)>;

  XmlReader(StartFn start, EndFn end, TextFn text);
  ~XmlReader();
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  // Parses the next bytes (`final`: they end the document); false when the XML is malformed, has a
  // DTD, or a callback called Stop (then and ever after).
  bool Feed(std::string_view data, bool final);
  // Ends the parse from inside a callback: the current and every later Feed returns false.
  void Stop();

  // The value of the attribute with local name `name` in expat's (name, value, ..., nullptr)
  // array, or nullptr.
  static const char* Attr(const char** attrs, std::string_view name);
  // `qname` without its namespace prefix.
  static std::string_view LocalName(const char* qname);

 private:
  static void OnStart(void* self, const char* name, const char** attrs);
  static void OnEnd(void* self, const char* name);
  static void OnText(void* self, const char* s, int len);
  static void OnDoctype(void* self, const char* name, const char* sysid, const char* pubid,
                        int has_internal_subset);

  StartFn start_;
  EndFn end_;
  TextFn text_;
  XML_ParserStruct* parser_;
  bool failed_ = false;
};

}  // namespace filesd::process
