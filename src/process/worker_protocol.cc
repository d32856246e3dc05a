#include "process/worker_protocol.h"

#include <simdjson.h>

#include <cmath>

#include "process/json_writer.h"

namespace filesd::process {

namespace {

std::optional<StatusCode> CodeFromName(std::string_view name) {
  for (StatusCode c : {StatusCode::kInvalidArgument, StatusCode::kUnauthenticated,
                       StatusCode::kPermissionDenied, StatusCode::kNotFound, StatusCode::kConflict,
                       StatusCode::kPayloadTooLarge, StatusCode::kRangeNotSatisfiable,
                       StatusCode::kResourceExhausted, StatusCode::kInternal, StatusCode::kUnavailable}) {
    if (StatusCodeName(c) == name) return c;
  }
  return std::nullopt;
}

Status Malformed() {
  return Internal("processing failed: the worker's answer was malformed", "processing_crashed");
}

}  // namespace

std::string LimitsToJson(const ProcessLimits& l) {
  JsonWriter w;
  w.BeginObject();
  w.Key("max_seconds").Double(l.max_seconds);
  w.Key("max_memory_bytes").Uint(l.max_memory_bytes);
  w.Key("max_pixels").Uint(l.max_pixels);
  w.Key("max_ocr_pages").Int(l.max_ocr_pages);
  w.Key("ocr_dpi").Int(l.ocr_dpi);
  w.Key("max_json_depth").Int(l.max_json_depth);
  w.Key("max_decompressed_bytes").Uint(l.max_decompressed_bytes);
  w.Key("max_text_bytes").Uint(l.max_text_bytes);
  w.Key("max_columns").Int(l.max_columns);
  w.EndObject();
  return w.Take();
}

Result<ProcessLimits> LimitsFromJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj) != simdjson::SUCCESS) return InvalidArgument("limits: not a JSON object");
  ProcessLimits l;
  for (simdjson::dom::key_value_pair field : obj) {
    const std::string_view key = field.key;
    if (key == "max_seconds") {
      double v;
      if (field.value.get(v) != simdjson::SUCCESS || !(v > 0) || !std::isfinite(v)) {
        return InvalidArgument("limits: max_seconds must be a positive number");
      }
      l.max_seconds = v;
      continue;
    }
    uint64_t* u = nullptr;
    int* i = nullptr;
    if (key == "max_memory_bytes")
      u = &l.max_memory_bytes;
    else if (key == "max_pixels")
      u = &l.max_pixels;
    else if (key == "max_decompressed_bytes")
      u = &l.max_decompressed_bytes;
    else if (key == "max_text_bytes")
      u = &l.max_text_bytes;
    else if (key == "max_ocr_pages")
      i = &l.max_ocr_pages;
    else if (key == "ocr_dpi")
      i = &l.ocr_dpi;
    else if (key == "max_json_depth")
      i = &l.max_json_depth;
    else if (key == "max_columns")
      i = &l.max_columns;
    else
      return InvalidArgument("limits: unknown field " + std::string(key));
    uint64_t v;
    if (field.value.get(v) != simdjson::SUCCESS) {
      return InvalidArgument("limits: " + std::string(key) + " must be a non-negative integer");
    }
    if (u != nullptr) {
      *u = v;
    } else {
      if (v > 1'000'000'000) return InvalidArgument("limits: " + std::string(key) + " is out of range");
      *i = static_cast<int>(v);
    }
  }
  if (l.max_memory_bytes == 0) return InvalidArgument("limits: max_memory_bytes must be positive");
  if (l.max_json_depth < 1) return InvalidArgument("limits: max_json_depth must be positive");
  if (l.ocr_dpi < 1) return InvalidArgument("limits: ocr_dpi must be positive");
  return l;
}

std::string EncodeWorkerAnswer(const Result<ProcessOutput>& result) {
  JsonWriter w;
  w.BeginObject();
  if (result.ok()) {
    const ProcessOutput& out = result.value();
    w.Key("ok").Bool(true);
    w.Key("type").String(out.type);
    w.Key("mime_type").String(out.mime_type);
    w.Key("metadata_json").String(out.metadata_json);
    w.Key("summary").String(out.summary);
    w.Key("text").String(out.text);
  } else {
    const Status& s = result.status();
    w.Key("ok").Bool(false);
    w.Key("code").String(StatusCodeName(s.code()));
    w.Key("reason").String(s.reason());
    w.Key("message").String(s.message());
  }
  w.EndObject();
  return w.Take();
}

Result<ProcessOutput> DecodeWorkerAnswer(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object obj;
  if (parser.parse(padded).get(obj) != simdjson::SUCCESS) return Malformed();
  bool ok = false;
  if (obj["ok"].get(ok) != simdjson::SUCCESS) return Malformed();
  auto get = [&obj](const char* key, std::string* out) {
    std::string_view v;
    if (obj[key].get(v) != simdjson::SUCCESS) return false;
    *out = std::string(v);
    return true;
  };
  if (!ok) {
    std::string code_name, reason, message;
    if (!get("code", &code_name) || !get("reason", &reason) || !get("message", &message)) return Malformed();
    std::optional<StatusCode> code = CodeFromName(code_name);
    if (!code) return Malformed();
    return Status(*code, std::move(message), std::move(reason));
  }
  ProcessOutput out;
  if (!get("type", &out.type) || !get("mime_type", &out.mime_type) ||
      !get("metadata_json", &out.metadata_json) || !get("summary", &out.summary) || !get("text", &out.text)) {
    return Malformed();
  }
  return out;
}

}  // namespace filesd::process
