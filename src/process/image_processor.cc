#include "process/image_processor.h"

#include <vips/vips.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>

#include "process/json_writer.h"
#include "process/ocr.h"
#include "process/text_decode.h"
#include "process/truncation.h"

namespace filesd::process {

namespace {

// OCR reads a copy scaled down to at most this many pixels on its long side (about 350 dpi for A4).
constexpr int kOcrMaxSide = 4096;
// Share of max_seconds that OCR of an image may take.
constexpr double kOcrTimeShare = 0.6;

// libvips is initialised once per process, with the loaders it deems untrusted (ImageMagick and the
// like) blocked, no operation cache (nothing stays open) and one worker thread.
bool InitVips() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    ok = VIPS_INIT("filesd") == 0;
    if (ok) {
      vips_block_untrusted_set(TRUE);
      vips_cache_set_max(0);
      vips_concurrency_set(1);
    }
  });
  return ok;
}

// Unrefs a VipsImage at scope exit.
struct ImageRef {
  VipsImage* image = nullptr;
  ~ImageRef() {
    if (image != nullptr) g_object_unref(image);
  }
};

struct ImageInfo {
  std::string format;
  uint64_t width = 0;
  uint64_t height = 0;
  std::string color_mode;
  int bit_depth = 8;
  int frames = 1;
};

uint32_t Be32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint32_t Le32(const unsigned char* p) {
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}
uint16_t Le16(const unsigned char* p) { return static_cast<uint16_t>(p[1] << 8 | p[0]); }

// PNG colour type and depth as PIL names them; frames from an APNG acTL chunk.
Status ReadPngMode(ByteSource& src, ImageInfo* info) {
  unsigned char head[33];
  FILESD_ASSIGN_OR_RETURN(size_t n,
                          src.ReadAt(0, std::span<char>(reinterpret_cast<char*>(head), sizeof head)));
  if (n < sizeof head || std::memcmp(head + 12, "IHDR", 4) != 0)
    return InvalidFile("the PNG header is malformed");
  const int depth = head[24];
  switch (head[25]) {
    case 0:
      info->color_mode = depth == 1 ? "1" : depth == 16 ? "I;16" : "L";
      break;
    case 2:
      info->color_mode = "RGB";
      break;
    case 3:
      info->color_mode = "P";
      break;
    case 4:
      info->color_mode = "LA";
      break;
    case 6:
      info->color_mode = "RGBA";
      break;
    default:
      return InvalidFile("the PNG header is malformed");
  }
  info->bit_depth = depth;
  // Chunks before the first IDAT; a bounded walk.
  uint64_t offset = 8;
  for (int i = 0; i < 1000 && offset + 12 <= src.size_bytes(); ++i) {
    unsigned char chunk[12];
    FILESD_ASSIGN_OR_RETURN(size_t got,
                            src.ReadAt(offset, std::span<char>(reinterpret_cast<char*>(chunk), 12)));
    if (got < 12 || std::memcmp(chunk + 4, "IDAT", 4) == 0) break;
    if (std::memcmp(chunk + 4, "acTL", 4) == 0) {
      info->frames = static_cast<int>(std::clamp<uint32_t>(Be32(chunk + 8), 1, 1'000'000));
      break;
    }
    offset += 12 + uint64_t{Be32(chunk)};
  }
  return Status::Ok();
}

// GIF: PIL opens a GIF whose global palette is the identity grey ramp as "L", others as "P".
Status ReadGifMode(ByteSource& src, ImageInfo* info) {
  unsigned char head[13];
  FILESD_ASSIGN_OR_RETURN(size_t n,
                          src.ReadAt(0, std::span<char>(reinterpret_cast<char*>(head), sizeof head)));
  if (n < sizeof head) return InvalidFile("the GIF header is malformed");
  info->color_mode = "P";
  info->bit_depth = 8;
  const unsigned char packed = head[10];
  if (packed & 0x80) {
    const int bits = (packed & 7) + 1;
    info->bit_depth = bits;
    std::string table(3u << bits, '\0');
    FILESD_ASSIGN_OR_RETURN(size_t got, src.ReadAt(13, std::span<char>(table.data(), table.size())));
    bool grey_ramp = got == table.size();
    for (size_t i = 0; grey_ramp && i < table.size(); i += 3) {
      const auto k = static_cast<unsigned char>(i / 3);
      grey_ramp = static_cast<unsigned char>(table[i]) == k &&
                  static_cast<unsigned char>(table[i + 1]) == k &&
                  static_cast<unsigned char>(table[i + 2]) == k;
    }
    if (grey_ramp) info->color_mode = "L";
  }
  return Status::Ok();
}

// BMP is read from its header alone: libvips has no BMP loader of its own (only ImageMagick's, which
// is blocked as untrusted).
Status ReadBmp(std::string_view head_bytes, ImageInfo* info) {
  const auto* h = reinterpret_cast<const unsigned char*>(head_bytes.data());
  if (head_bytes.size() < 26) return InvalidFile("the BMP header is malformed");
  const uint32_t dib = Le32(h + 14);
  int64_t width = 0, height = 0;
  int bpp = 0;
  uint32_t compression = 0;
  if (dib == 12) {
    width = Le16(h + 18);
    height = Le16(h + 20);
    bpp = Le16(h + 24);
  } else if (dib >= 40 && head_bytes.size() >= 54) {
    width = static_cast<int32_t>(Le32(h + 18));
    height = static_cast<int32_t>(Le32(h + 22));
    if (height < 0) height = -height;  // Top-down rows.
    bpp = Le16(h + 28);
    compression = Le32(h + 30);
  } else {
    return InvalidFile("the BMP header is malformed");
  }
  if (width <= 0 || height <= 0 ||
      (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)) {
    return InvalidFile("the BMP header is malformed");
  }
  info->format = "bmp";
  info->width = static_cast<uint64_t>(width);
  info->height = static_cast<uint64_t>(height);
  info->bit_depth = bpp <= 8 ? bpp : 8;
  const bool alpha =
      bpp == 32 && compression == 3 && dib >= 56 && head_bytes.size() >= 70 && Le32(h + 66) != 0;
  info->color_mode = bpp <= 8 ? "P" : alpha ? "RGBA" : "RGB";
  return Status::Ok();
}

std::string ModeFromVips(VipsImage* im) {
  const int bands = vips_image_get_bands(im);
  const VipsBandFormat fmt = vips_image_get_format(im);
  const VipsInterpretation interp = vips_image_get_interpretation(im);
  if (interp == VIPS_INTERPRETATION_CMYK && bands >= 4) return "CMYK";
  if (bands == 1) {
    if (fmt == VIPS_FORMAT_USHORT) return "I;16";
    if (fmt == VIPS_FORMAT_FLOAT || fmt == VIPS_FORMAT_DOUBLE) return "F";
    if (fmt == VIPS_FORMAT_INT || fmt == VIPS_FORMAT_UINT) return "I";
    return "L";
  }
  if (bands == 2) return "LA";
  if (bands == 3) return "RGB";
  return "RGBA";
}

int DepthFromVips(VipsImage* im) {
  switch (vips_image_get_format(im)) {
    case VIPS_FORMAT_USHORT:
    case VIPS_FORMAT_SHORT:
      return 16;
    case VIPS_FORMAT_UINT:
    case VIPS_FORMAT_INT:
    case VIPS_FORMAT_FLOAT:
      return 32;
    case VIPS_FORMAT_DOUBLE:
      return 64;
    default:
      return 8;
  }
}

std::string FormatFromLoader(std::string_view loader) {
  if (loader.starts_with("VipsForeignLoadPng")) return "png";
  if (loader.starts_with("VipsForeignLoadJpeg")) return "jpeg";
  if (loader.starts_with("VipsForeignLoadNsgif") || loader.starts_with("VipsForeignLoadGif")) return "gif";
  if (loader.starts_with("VipsForeignLoadWebp")) return "webp";
  if (loader.starts_with("VipsForeignLoadTiff")) return "tiff";
  return "";
}

// The text OCR read, or why it read none.
struct ImageText {
  std::string text;
  std::optional<TruncationReason> not_read;
};

// Decodes a grey copy of the image (scaled to kOcrMaxSide) and reads it. A failure leaves the text
// empty, with the reason: OCR is a bonus, never a reason to fail an image whose metadata is fine.
ImageText OcrImage(const std::string& path, const ImageInfo& info, double dpi,
                   std::chrono::steady_clock::time_point deadline) {
  const ImageText undecodable{{}, TruncationReason::kOcrUnavailable};
  const uint64_t side = std::max(info.width, info.height);
  const int target = static_cast<int>(std::min<uint64_t>(side, kOcrMaxSide));
  ImageRef thumb, flat, grey, bytes;
  if (vips_thumbnail(path.c_str(), &thumb.image, target, "height", target, "size", VIPS_SIZE_DOWN, nullptr) !=
      0) {
    vips_error_clear();
    return undecodable;
  }
  VipsImage* current = thumb.image;
  if (vips_image_hasalpha(current)) {
    VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
    int rc = vips_flatten(current, &flat.image, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (rc != 0) {
      vips_error_clear();
      return undecodable;
    }
    current = flat.image;
  }
  if (vips_colourspace(current, &grey.image, VIPS_INTERPRETATION_B_W, nullptr) != 0 ||
      vips_cast(grey.image, &bytes.image, VIPS_FORMAT_UCHAR, "shift",
                vips_image_get_format(grey.image) != VIPS_FORMAT_UCHAR, nullptr) != 0) {
    vips_error_clear();
    return undecodable;
  }
  size_t size = 0;
  void* pixels = vips_image_write_to_memory(bytes.image, &size);
  if (pixels == nullptr) {
    vips_error_clear();
    return undecodable;
  }
  const int width = vips_image_get_width(bytes.image);
  const int height = vips_image_get_height(bytes.image);
  ImageText out = undecodable;
  if (size >= static_cast<size_t>(width) * static_cast<size_t>(height) && width > 0 && height > 0) {
    Result<std::unique_ptr<OcrEngine>> engine = OcrEngine::Create();
    if (engine.ok()) {
      const double scale = static_cast<double>(width) / static_cast<double>(info.width);
      std::optional<std::string> text = (*engine)->Recognize(
          static_cast<const uint8_t*>(pixels), width, height, width, static_cast<int>(dpi * scale), deadline);
      out.not_read = text ? std::nullopt : std::optional(TruncationReason::kTimeLimit);
      if (text) out.text = std::move(*text);
    }
  }
  g_free(pixels);
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

}  // namespace

Result<ProcessOutput> ImageProcessor::Process(ByteSource& src, const ProcessLimits& limits) {
  const auto start = std::chrono::steady_clock::now();
  const std::string path(src.file_path());
  if (path.empty()) return InvalidArgument("the image processor needs a file path");
  FILESD_ASSIGN_OR_RETURN(std::string head, ReadHead(src, 128));

  ImageInfo info;
  double dpi = 0;
  if (head.size() >= 2 && head[0] == 'B' && head[1] == 'M') {
    FILESD_RETURN_IF_ERROR(ReadBmp(head, &info));
  } else {
    if (!InitVips()) return Internal("the image library cannot start");
    const char* loader = vips_foreign_find_load(path.c_str());
    const std::string format = loader != nullptr ? FormatFromLoader(loader) : "";
    vips_error_clear();
    if (format.empty())
      return InvalidFile("the file is not an image in a supported format (png, jpeg, gif, webp, tiff, bmp)");
    ImageRef im;
    // Sequential access: only the header is read now.
    im.image = vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
    if (im.image == nullptr) {
      vips_error_clear();
      return InvalidFile("the image is damaged or truncated");
    }
    info.format = format;
    info.width = static_cast<uint64_t>(vips_image_get_width(im.image));
    info.height = static_cast<uint64_t>(vips_image_get_height(im.image));
    info.frames = std::max(1, vips_image_get_n_pages(im.image));
    dpi = vips_image_get_xres(im.image) * 25.4;  // libvips keeps pixels per millimetre.
    if (format == "png") {
      FILESD_RETURN_IF_ERROR(ReadPngMode(src, &info));
    } else if (format == "gif") {
      FILESD_RETURN_IF_ERROR(ReadGifMode(src, &info));
    } else {
      info.color_mode = ModeFromVips(im.image);
      info.bit_depth = DepthFromVips(im.image);
    }
  }
  const uint64_t pixels = info.width * info.height;
  if (info.width != 0 && pixels / info.width != info.height) return LimitExceeded("the image is too large");
  if (pixels > limits.max_pixels) {
    return LimitExceeded("the image is " + FormatCount(info.width) + " x " + FormatCount(info.height) +
                         " pixels, more than the limit of " + FormatCount(limits.max_pixels) + " pixels");
  }

  ProcessOutput out;
  out.type = "image";
  out.mime_type = info.format == "jpeg" ? "image/jpeg" : "image/" + info.format;
  Truncation truncation;
  if (limits.max_ocr_pages == 0) {
    truncation.Add(TruncationReason::kOcrPageLimit);
  } else if (info.format == "bmp") {
    truncation.Add(TruncationReason::kOcrUnavailable);  // No BMP decoder but ImageMagick's (blocked).
  } else {
    const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(limits.max_seconds * kOcrTimeShare));
    ImageText read = OcrImage(path, info, dpi >= 72 ? dpi : 300, deadline);
    if (read.not_read) truncation.Add(*read.not_read);
    out.text = std::move(read.text);
    if (out.text.size() > limits.max_text_bytes) {
      truncation.Add(TruncationReason::kTextSizeLimit);
      out.text.resize(TruncateUtf8(out.text, limits.max_text_bytes).size());
    }
  }

  JsonWriter w;
  w.BeginObject();
  w.Key("type").String("image");
  w.Key("format").String(info.format);
  w.Key("width").Uint(info.width);
  w.Key("height").Uint(info.height);
  w.Key("color_mode").String(info.color_mode);
  w.Key("bit_depth").Int(info.bit_depth);
  w.Key("frames").Int(info.frames);
  truncation.WriteFields(w);
  w.EndObject();
  out.metadata_json = w.Take();

  out.summary = Upper(info.format) + " image of " + FormatCount(info.width) + " x " +
                FormatCount(info.height) + " pixels, color mode " + info.color_mode + ", " +
                std::to_string(info.bit_depth) + "-bit";
  if (info.frames > 1) out.summary += ", " + CountNoun(static_cast<uint64_t>(info.frames), "frame", "frames");
  out.summary += ".";
  if (!out.text.empty()) out.summary += " It contains text (read by OCR).";
  for (TruncationReason reason :
       {TruncationReason::kOcrPageLimit, TruncationReason::kOcrUnavailable, TruncationReason::kTimeLimit}) {
    if (truncation.Has(reason))
      out.summary += " Its text was not read (" + TruncationWhy(reason, limits) + ").";
  }
  if (truncation.Has(TruncationReason::kTextSizeLimit))
    out.summary +=
        " The text is cut at the size limit of " + CountNoun(limits.max_text_bytes, "byte", "bytes") + ".";
  return out;
}

}  // namespace filesd::process
