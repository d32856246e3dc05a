#include "process/xml_reader.h"

#include <expat.h>

#include <type_traits>
#include <utility>

namespace filesd::process {

static_assert(std::is_same_v<XML_Char, char>, "expat must be built with char (UTF-8) XML_Char");

XmlReader::XmlReader(StartFn start, EndFn end, TextFn text)
    : start_(std::move(start)),
      end_(std::move(end)),
      text_(std::move(text)),
      parser_(XML_ParserCreate(nullptr)) {
  XML_SetUserData(parser_, this);
  XML_SetElementHandler(parser_, &XmlReader::OnStart, &XmlReader::OnEnd);
  XML_SetCharacterDataHandler(parser_, &XmlReader::OnText);
  XML_SetStartDoctypeDeclHandler(parser_, &XmlReader::OnDoctype);
}

XmlReader::~XmlReader() { XML_ParserFree(parser_); }

bool XmlReader::Feed(std::string_view data, bool final) {
  if (failed_) return false;
  if (XML_Parse(parser_, data.data(), static_cast<int>(data.size()), final ? 1 : 0) != XML_STATUS_OK)
    failed_ = true;
  return !failed_;
}

void XmlReader::Stop() {
  failed_ = true;
  XML_StopParser(parser_, XML_FALSE);
}

const char* XmlReader::Attr(const char** attrs, std::string_view name) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (LocalName(attrs[i]) == name) return attrs[i + 1];
  }
  return nullptr;
}

std::string_view XmlReader::LocalName(const char* qname) {
  std::string_view n(qname);
  const size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

void XmlReader::OnStart(void* self, const char* name, const char** attrs) {
  static_cast<XmlReader*>(self)->start_(LocalName(name), attrs);
}

void XmlReader::OnEnd(void* self, const char* name) {
  static_cast<XmlReader*>(self)->end_(LocalName(name));
}

void XmlReader::OnText(void* self, const char* s, int len) {
  static_cast<XmlReader*>(self)->text_(std::string_view(s, static_cast<size_t>(len)));
}

void XmlReader::OnDoctype(void* self, const char*, const char*, const char*, int) {
  static_cast<XmlReader*>(self)->Stop();
}

}  // namespace filesd::process
